// Several requests on one model at once (the server's --parallel): each runs in its own sequence of the
// session's KV caches, on one engine thread. Every loop of that thread runs one chunk of the oldest prompt
// still being read, then one decode step for every request that is generating, batched (Session::eval_batch:
// the weights read once for all of them), so that a long prompt does not stall the others' streams. A new
// request takes the free sequence whose cached tokens its prompt extends (the next turn of a chat), else the
// one used least recently. Callers wait on their Job for its events, on their own threads.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "model/engine/generator.h"

namespace vkg {

// What a job reports, in order: text and thought pieces and logprobs as they come, then done or error.
struct JobEvent {
  // started: the job has its sequence (before its images are encoded and its prompt read).
  enum class Kind { started, text, thought, logprob, done, error } kind = Kind::text;
  std::string text;        // text, thought: the piece; error: the message
  TokenLogprob logprob;    // logprob
  GenerateResult result;   // done
};

class Job {
 public:
  // Waits up to `timeout` for the next event; false when none came.
  bool next(JobEvent& event, std::chrono::milliseconds timeout);
  // Stops the job at its next step (it then reports done with FinishReason::cancelled).
  void cancel() { cancel_ = true; }

 private:
  friend class BatchEngine;
  void push(JobEvent event);

  Prompt prompt_;
  std::vector<std::vector<float>> pixels_;  // images still to encode (Session::encode_image) into prompt_
  GenerateParams params_;
  std::atomic<bool> cancel_{false};
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<JobEvent> events_;
};

// submit() when `max_waiting` jobs already wait for a sequence, or after stop().
class EngineBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class BatchEngine {
 public:
  static constexpr int kDefaultPromptChunk = 64;  // the server's (and the sessions') batch of prompt tokens
  // Uses every sequence of `session` (SessionOptions::sequences). prompt_chunk: prompt tokens per step between
  // decode steps (0: kDefaultPromptChunk).
  BatchEngine(Session& session, int max_waiting, int prompt_chunk = 0);
  ~BatchEngine();  // cancels what runs and waits for the thread

  // Queues a request. `pixels`: preprocessed images (preprocess_image) for the prompt's image runs, encoded on
  // the engine thread when the job starts. params.cancel, on_text and the other callbacks are the engine's
  // (the job's events carry them). Throws EngineBusy.
  std::shared_ptr<Job> submit(Prompt prompt, GenerateParams params, std::vector<std::vector<float>> pixels = {});
  // No new jobs (submit throws EngineBusy); the waiting ones end with an error event, running ones go on.
  void stop_accepting();
  void cancel_all();  // every running and waiting job stops at its next step
  int sequences() const { return static_cast<int>(slots_.size()); }

 private:
  struct Slot;
  void loop();
  void admit();                   // waiting jobs into free slots
  void prompt_step();             // a chunk of the oldest prompt being read
  void decode_step();             // one batched step of the generating jobs
  void start(Slot& slot, std::shared_ptr<Job> job);
  void end(Slot& slot);           // done or error event, the slot freed
  void fail(Slot& slot, const std::string& message);

  Session& session_;
  int max_waiting_, prompt_chunk_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::unique_ptr<JsonTokens> json_tokens_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> waiting_;
  bool accepting_ = true, quit_ = false;
  uint64_t clock_ = 0;  // slot use order
  std::thread thread_;
};

}  // namespace vkg
