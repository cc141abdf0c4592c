/**
 * The model is the vae-mnist VAE unchanged (Shi & Cornish and Ruiz et al. use the same networks on
 * both data sets): z ~ N(0, I), x | z ~ Bernoulli(logits = decoder(z)), guide N(mu(x), sigma(x)).
 */
export { vae, type VaeConfig } from '../vae-mnist/model.js';
