"""The VAE IWAE-5 training step of bench/suites/vae-step.ts in PyTorch and in Pyro, for comparison.

Not run by `npm run bench` (torch cannot be installed on the project's machines). On a machine with
`pip install torch pyro-ppl`, run it on the same, otherwise idle, machine as `npm run bench`:

    python bench/pytorch_vae.py --threads 1 --repeats 20

and compare its median step times with `vaeStep.ms` in bench/results/latest.json (roulette native and
the hand-written tfjs step). Same model: 784-200-200-20 MLPs with tanh, Bernoulli pixels, a Normal
guide with softplus scale + 1e-4, batch 100, 5 particles, Adam(1e-3). The data are random binary
images (the timing does not depend on the digits).
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


class Vae(nn.Module):
    def __init__(self, latent=20, hidden=(200, 200)):
        super().__init__()
        self.latent = latent
        self.encoder = mlp([784, *hidden, 2 * latent])
        self.decoder = mlp([latent, *hidden, 784])

    def guide_params(self, x):
        h = self.encoder(x)
        return h[:, : self.latent], F.softplus(h[:, self.latent :]) + 1e-4


def torch_step(vae, optimizer, x, k):
    """Hand-written IWAE-k step, as bench/lib/hand-written-vae.ts does it in tfjs."""
    loc, scale = vae.guide_params(x)
    z = loc + scale * torch.randn(k, *loc.shape)
    log_q = torch.distributions.Normal(loc, scale).log_prob(z).sum(-1)
    log_pz = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    logits = vae.decoder(z)
    log_px = -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)
    bound = torch.logsumexp(log_pz + log_px - log_q, 0) - math.log(k)
    loss = -bound.sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def pyro_setup(vae, k):
    import pyro
    import pyro.distributions as dist
    from pyro.infer import SVI, RenyiELBO
    from pyro.optim import Adam

    pyro.clear_param_store()

    def model(x):
        pyro.module("decoder", vae.decoder)
        with pyro.plate("data", x.shape[0]):
            z = pyro.sample("z", dist.Normal(torch.zeros(vae.latent), 1.0).to_event(1))
            pyro.sample("x", dist.Bernoulli(logits=vae.decoder(z)).to_event(1), obs=x)

    def guide(x):
        pyro.module("encoder", vae.encoder)
        with pyro.plate("data", x.shape[0]):
            loc, scale = vae.guide_params(x)
            pyro.sample("z", dist.Normal(loc, scale).to_event(1))

    # alpha = 0 is the IWAE bound; vectorised particles as roulette's particles handler.
    elbo = RenyiELBO(alpha=0.0, num_particles=k, vectorize_particles=True)
    return SVI(model, guide, Adam({"lr": 1e-3}), loss=elbo)


def timed(step, repeats, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = (torch.rand(100, 784) < 0.3).float()

    vae = Vae()
    optimizer = torch.optim.Adam(vae.parameters(), lr=1e-3)
    print(f"pytorch IWAE-{args.k} step: {timed(lambda: torch_step(vae, optimizer, x, args.k), args.repeats, 3):.2f} ms (median)")
    try:
        svi = pyro_setup(Vae(), args.k)
        print(f"pyro IWAE-{args.k} step:    {timed(lambda: svi.step(x), args.repeats, 3):.2f} ms (median)")
    except ImportError:
        print("pyro not installed (pip install pyro-ppl): skipped")


if __name__ == "__main__":
    main()
