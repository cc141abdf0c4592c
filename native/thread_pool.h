// A small process-wide pool for splitting one kernel call across cores. The JS thread takes part in
// every job, so a pool of size 1 has no worker threads at all.
#pragma once

#include <cstdint>
#include <functional>

namespace roulette {

// Threads that take part in a job, the caller included (>= 1).
int pool_size();

// Sets the number of threads (clamped to [1, 64]); takes effect at the next job.
void set_pool_size(int threads);

// Runs task(i) for every i in [0, count) and returns when all have finished. Tasks are handed out
// dynamically. When another thread is already running a job (e.g. a second Node worker thread using the
// addon), the caller runs its tasks alone rather than wait.
void parallel_for(int64_t count, const std::function<void(int64_t)>& task);

}  // namespace roulette
