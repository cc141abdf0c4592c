/**
 * The data each gallery page is built from. gallery/scripts/collect.ts reads them at build time from
 * examples/ (the registry, READMEs, sources, and the committed examples/results/); the pages get them
 * as JSON modules, so the built site needs no server.
 */

/** One epoch of a training run: mean objective and estimator stats over its steps (examples/run.ts). */
export interface EpochRecord {
  readonly epoch: number;
  readonly objective: number;
  readonly seconds: number;
  readonly steps: number;
  readonly stats: Readonly<Record<string, number>>;
}

/** examples/results/<example>/<estimator>.json as examples/run.ts writes it, without per-step objectives. */
export interface Run {
  readonly estimator: string;
  readonly config: Readonly<Record<string, number | string | boolean>>;
  readonly data: Readonly<Record<string, number | string>>;
  readonly epochs: readonly EpochRecord[];
  readonly testLogLikelihood: number;
  readonly exactTestLogLikelihood?: number;
  readonly seconds: { readonly train: number; readonly evaluate: number; readonly total: number };
  readonly stepsPerSecond: number;
  readonly finishedAt: string;
}

/** vae-mnist's cisir.json (examples/vae-mnist/cisir.ts): one pretrained model, continued two ways. */
export interface FineTune {
  readonly file: string;
  readonly command: string;
  readonly afterPretraining: number;
  /** The same bound with each test image's proposal refined first (cisir.ts --eval-refine-steps), when run. */
  readonly afterPretrainingRefined?: number;
  readonly costRatioPerStep: number;
  readonly branches: Readonly<
    Record<
      string,
      {
        readonly reports: readonly Omit<EpochRecord, 'steps'>[];
        readonly testLogLikelihood: number;
        readonly testLogLikelihoodRefined?: number;
        readonly secondsPerStep: number;
      }
    >
  >;
}

/**
 * One kernel's coupled chains at one checkpoint of examples/vae-mnist/meeting-times.ts: `estimates`
 * C-ISIR estimates on fixed minibatches, one chain pair per datapoint. Means and rates are null where
 * the script computed NaN (JSON writes NaN as null): no pair met, or the kernel has no DISIR ESS.
 */
export interface MeetingTimesKernel {
  readonly kernel: string;
  readonly estimates: number;
  readonly pairs: number;
  /** Pairs that had not met after the --max-iterations cap. */
  readonly capped: number;
  /** Mean over the pairs that met. */
  readonly meetingMean: number | null;
  /** Mean with capped pairs counted at the cap (a lower bound on the uncapped mean). */
  readonly meetingMeanCappedAtCap: number | null;
  readonly meetingMax: number | null;
  /** Pairs that met in each bin, summed over the estimates: meetingLe10, meetingLe20, ..., meetingGt320 (capped pairs not included). */
  readonly histogram: Readonly<Record<string, number>>;
  /** The DISIR beta after adaptation (0, and meaningless, for plain 'isir'). */
  readonly betaFinal: number | null;
  /** Mean DISIR effective sample size; null for kernels without DISIR. */
  readonly ess: number | null;
  /** How often an ISIR step of the first chain moved to a fresh particle. */
  readonly isirMoveRate: number | null;
  readonly secondsPerEstimate: number | null;
}

export interface MeetingTimesCheckpoint {
  /** Pretraining epochs (IWAE-10, guide by IWAE-DReG) before the estimates. */
  readonly epochs: number;
  /** Test log-likelihood at the checkpoint (IWAE bound with options.k draws); null when skipped (--k 0). */
  readonly testLogLikelihood: number | null;
  /** In the file's (the --kernels option's) order. */
  readonly kernels: readonly MeetingTimesKernel[];
}

/** examples/results/<example>/meeting-times.json (examples/vae-mnist/meeting-times.ts): meeting times against guide training. */
export interface MeetingTimes {
  readonly file: string;
  readonly command: string;
  readonly backend: string;
  /** The script's options, defaults included, as parsed (strings and flags). */
  readonly options: Readonly<Record<string, string | boolean>>;
  /** The --max-iterations cap on each chain pair. */
  readonly maxIterations: number;
  readonly checkpoints: readonly MeetingTimesCheckpoint[];
}

/** A grid of greyscale images: `count` images of width x height bytes (0-255), row-major, base64. */
export interface ImageGrid {
  readonly width: number;
  readonly height: number;
  readonly count: number;
  readonly pixels: string;
}

/** examples/results/<example>/<estimator>.pictures.json, quantised to bytes for the page. */
export interface Pictures {
  readonly estimator: string;
  readonly originals: ImageGrid;
  readonly reconstructions: ImageGrid;
  readonly samples: ImageGrid;
}

export interface SourceFile {
  /** Path from the repository root, e.g. examples/vae-mnist/model.ppl. */
  readonly path: string;
  readonly text: string;
}

export interface ExamplePage {
  readonly name: string;
  readonly description: string;
  /** Estimators the example supports (registry), whether or not results are committed. */
  readonly estimators: readonly string[];
  /** examples/<name>/README.md, markdown; null when the example has none. */
  readonly readme: string | null;
  readonly sources: readonly SourceFile[];
  readonly runs: readonly Run[];
  readonly fineTunes: readonly FineTune[];
  /** Coupled chains' meeting times at checkpoints of pretraining (meeting-times.json). */
  readonly meetingTimes: readonly MeetingTimes[];
  /** Coupled chains' meeting times digit by digit, with and without refinement (per-digit.json). */
  readonly perDigit: readonly PerDigit[];
  /** Variance, cost and bias of one decoder gradient per estimator (gradient-variance.json). */
  readonly gradientVariance: readonly GradientVariance[];
  /** examples/results/<name>/summary.md (a reproduction over seeds), markdown. */
  readonly summary: string | null;
  /** True for models of images: the page shows a picture grid or says there is none yet. */
  readonly images: boolean;
  readonly pictures: readonly Pictures[];
  /** A walk-through (examples/walkthroughs.ts): its README holds the results, no result files. */
  readonly walkthrough?: boolean;
}

/** examples/vae-mnist/per-digit.ts: meeting times on copies of one digit at a time. */
export interface PerDigit {
  readonly file: string;
  readonly command: string;
  readonly digits: readonly {
    /** Index of the digit in the training split. */
    readonly row: number;
    readonly logLikelihood: number;
    /** The encoder's proposal; absent when the script ran with --refined-only. */
    readonly amortised?: PerDigitMeeting;
    readonly refined: PerDigitMeeting;
  }[];
}

export interface PerDigitMeeting {
  readonly meetingMeanCappedAtCap: number;
  /** The longest meeting time of the digit's pairs (files written before the script reported it lack it). */
  readonly meetingMax?: number;
  readonly capped: number;
  readonly isirMoveRate: number;
}

/**
 * examples/vae-mnist/gradient-variance.ts: `replicates` estimates of d log p(x) / d theta (the decoder's
 * weights) per estimator, on one fixed minibatch at a cached pretraining checkpoint.
 */
export interface GradientVariance {
  readonly file: string;
  readonly command: string;
  readonly backend: string;
  /** The script's options, defaults included, as parsed (strings and flags). */
  readonly options: Readonly<Record<string, string | boolean>>;
  /** Number of gradient components (the decoder's weights). */
  readonly components: number;
  /** Squared norm of the reference gradient (the pooled C-ISIR-DISIR mean). */
  readonly referenceSquaredNorm: number;
  /** In the file's order: IWAE-10 first, then the C-ISIR-DISIR variants. */
  readonly rows: readonly GradientVarianceRow[];
}

export interface GradientVarianceRow {
  readonly estimator: string;
  readonly replicates: number;
  /** Sum over the components of each component's variance. */
  readonly totalVariance: number;
  readonly secondsPerEstimate: number;
  readonly varianceTimesSeconds: number;
  /** Squared distance of the estimator's mean from the reference, minus its expected noise part (so it can be negative). */
  readonly squaredBias: number;
  /** The noise part taken out of squaredBias. */
  readonly squaredBiasNoise: number;
  readonly meanSquaredNorm: number;
  /** C-ISIR-DISIR rows only: mean meeting time, capped pairs counted at the cap. */
  readonly meetingMean?: number;
  /** C-ISIR-DISIR rows only: chain pairs by meeting time, summed over the replicates. */
  readonly pairsByMeetingTime?: PairsByMeetingTime;
}

/** Pairs that met within each bin of iterations (capped pairs not in any bin), and the longest meeting time. */
export interface PairsByMeetingTime {
  readonly meetingMax: number;
  readonly capped: number;
  readonly meetingLe10: number;
  readonly meetingLe20: number;
  readonly meetingLe40: number;
  readonly meetingLe80: number;
  readonly meetingLe160: number;
  readonly meetingLe320: number;
  readonly meetingGt320: number;
}

/** One row of examples/results/diagnostics/gaussian.json (examples/diagnostics/gaussian.ts). */
export interface BiasVarianceRow {
  readonly estimator: string;
  readonly cost: number;
  readonly measuredCost: number;
  readonly bias2: number;
  readonly bias2SE: number;
  readonly variance: number;
  readonly gradBias2: number;
  readonly gradBias2SE: number;
  readonly gradVariance: number;
}

export interface SgdPoint {
  readonly step: number;
  readonly draws: number;
  readonly distance: number;
}

export interface DiagnosticsPage {
  /** examples/results/diagnostics/README.md. */
  readonly readme: string | null;
  readonly biasVariance: { readonly protocol: Readonly<Record<string, unknown>>; readonly rows: readonly BiasVarianceRow[] } | null;
  readonly sgd: { readonly steps: number; readonly datapoints: number; readonly trajectories: Readonly<Record<string, readonly SgdPoint[]>> } | null;
}

export interface IndexEntry {
  readonly name: string;
  readonly description: string;
  /** Estimators with committed results. */
  readonly results: readonly string[];
  readonly images: boolean;
  /** A walk-through (examples/walkthroughs.ts): its README holds the results. */
  readonly walkthrough?: boolean;
}

export interface IndexPage {
  readonly examples: readonly IndexEntry[];
  /** Whether the playground page is part of this build. */
  readonly playground: boolean;
}
