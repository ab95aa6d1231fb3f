// The engine process's environment, for whoever starts it: Electron main, the bridge, the CLI launcher and
// the benchmarks (which measure the product as it runs).
//
// [Note: huge pages] onnxruntime allocates every intermediate tensor of a run from malloc'd memory, and a new
// session — one per input size, so one per octave of a dream and one per new photo size — faults its
// hundreds of megabytes in 4 KiB at a time on its first runs: the first run of GoogLeNet's gradient at
// 550×413 took 560 ms against 180 ms later, with 170 thousand page faults in the process. glibc (2.35 and
// later) asks the kernel for transparent huge pages for malloc's memory when GLIBC_TUNABLES holds
// glibc.malloc.hugetlb=1: the faults drop tenfold, a second session's first run costs what a later run
// does, and the classic DeepDream of sky.jpg took 20% less time with 1–2% more peak memory. The tunable is
// read when a process starts, so it is set for the child, not in it. Elsewhere (macOS, Windows, musl) the
// variable means nothing. FEATURESCOPE_HUGE_PAGES=0 leaves it out.

const HUGETLB = 'glibc.malloc.hugetlb=1';

/** `base` plus the engine's additions (a copy; `base` is not changed). */
export function engineProcessEnv(base: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const env = { ...base };
  if (platform !== 'linux' || base.FEATURESCOPE_HUGE_PAGES === '0') return env;
  const tunables = base.GLIBC_TUNABLES ?? '';
  // a hugetlb setting of the person's own wins
  if (/(^|:)glibc\.malloc\.hugetlb=/.test(tunables)) return env;
  env.GLIBC_TUNABLES = tunables ? `${tunables}:${HUGETLB}` : HUGETLB;
  return env;
}

/** Whether this process was started with the engine's environment (the CLI re-executes itself when not). */
export function hasEngineEnv(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  return engineProcessEnv(env, platform).GLIBC_TUNABLES === env.GLIBC_TUNABLES;
}
