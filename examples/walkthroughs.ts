/**
 * Walk-throughs: examples run with the `roulette` command (a .ppl model and its data), whose README
 * holds the commands and their numbers. The gallery shows each by its README and sources; the
 * training runs of `examples/run.ts` are for the examples of `registry.ts`.
 */
export interface Walkthrough {
  readonly name: string;
  readonly description: string;
}

export const walkthroughs: readonly Walkthrough[] = [
  {
    name: 'eight-schools',
    description:
      "Rubin's eight schools (non-centred, halfCauchy tau) in the language: an IWAE fit, the guide's summary and the PSIS-reweighted summary, and NUTS, next to the exact posterior",
  },
];
