#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ROULETTE_PAUSE() _mm_pause()
#else
#define ROULETTE_PAUSE() std::this_thread::yield()
#endif

namespace roulette {
namespace {

// Workers spin this many rounds for the next job before sleeping: a training step calls kernels a few
// hundred microseconds apart, and waking a sleeping thread costs tens of microseconds. The spin is short
// (well under a millisecond) so an idle process does not hold a core.
constexpr int kSpinRounds = 20000;

// One parallel_for call. Helpers hold it through a shared_ptr, so one that wakes after the job is over
// finds nothing left to claim and touches nothing of the next job.
struct Job {
  const std::function<void(int64_t)>* task;
  int64_t count;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};

  // Claims and runs tasks until none is left.
  void drain() {
    for (;;) {
      const int64_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count) return;
      (*task)(i);
      done.fetch_add(1, std::memory_order_release);
    }
  }
};

class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }

  int size() const { return workers_.load(std::memory_order_relaxed) + 1; }

  void resize(int threads) {
    threads = std::clamp(threads, 1, 64);
    std::lock_guard<std::mutex> job(job_mutex_);
    // Threads are never joined (the pool lives until the process exits); surplus ones stay parked.
    while (started_ < threads - 1) {
      const int index = started_++;
      std::thread([this, index] { work(index); }).detach();
    }
    workers_.store(threads - 1, std::memory_order_relaxed);
  }

  void run(int64_t count, const std::function<void(int64_t)>& task) {
    std::unique_lock<std::mutex> exclusive(job_mutex_, std::try_to_lock);
    if (!exclusive.owns_lock() || workers_.load(std::memory_order_relaxed) == 0 || count == 1) {
      for (int64_t i = 0; i < count; i++) task(i);
      return;
    }
    auto job = std::make_shared<Job>();
    job->task = &task;
    job->count = count;
    {
      std::lock_guard<std::mutex> lock(wake_mutex_);
      current_ = job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    // The caller works too, so tasks no helper has claimed yet (a helper not scheduled on a busy
    // machine) are done here instead of waited for; only tasks a helper is running are waited for.
    job->drain();
    while (job->done.load(std::memory_order_acquire) < count) ROULETTE_PAUSE();
    std::lock_guard<std::mutex> lock(wake_mutex_);
    if (current_ == job) current_.reset();
  }

 private:
  void work(int index) {
    uint64_t seen = 0;
    {
      std::lock_guard<std::mutex> lock(wake_mutex_);
      seen = generation_.load(std::memory_order_acquire);
    }
    for (;;) {
      int spins = 0;
      while (generation_.load(std::memory_order_acquire) == seen && spins < kSpinRounds) {
        ROULETTE_PAUSE();
        spins++;
      }
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(wake_mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        seen = generation_.load(std::memory_order_acquire);
        // Parked workers (beyond the current size) skip jobs.
        if (index < workers_.load(std::memory_order_relaxed)) job = current_;
      }
      if (job) job->drain();
    }
  }

  std::mutex job_mutex_;   // one job at a time
  std::mutex wake_mutex_;  // guards current_ and generation_ changes
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::shared_ptr<Job> current_;
  std::atomic<int> workers_{0};
  int started_ = 0;
};

Pool& pool() {
  // One thread (the caller) until set_pool_size says otherwise: on a small machine shared by parallel
  // test workers, helpers that wait for a busy core cost more than they save (see bench/README.md).
  // Leaked on purpose: detached workers may still be waiting when static destructors run at exit.
  static Pool* instance = new Pool(1);
  return *instance;
}

}  // namespace

int pool_size() { return pool().size(); }

void set_pool_size(int threads) { pool().resize(threads); }

void parallel_for(int64_t count, const std::function<void(int64_t)>& task) {
  if (count <= 0) return;
  pool().run(count, task);
}

}  // namespace roulette
