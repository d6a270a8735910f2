#include "model/engine/batch_engine.h"

#include <algorithm>

#include "model/engine/generation_run.h"
#include "model/image_prompt.h"

namespace vkg {

struct BatchEngine::Slot {
  int sequence = 0;
  std::vector<int> cached;  // the tokens in this sequence's cache
  uint64_t last_used = 0;
  std::shared_ptr<Job> job;
  std::unique_ptr<GenerationRun> run;
  uint64_t started = 0;  // admission order: the oldest prompt is read first
};

bool Job::next(JobEvent& event, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mutex_);
  if (!ready_.wait_for(l, timeout, [&] { return !events_.empty(); })) return false;
  event = std::move(events_.front());
  events_.pop_front();
  return true;
}

void Job::push(JobEvent event) {
  {
    std::lock_guard<std::mutex> l(mutex_);
    events_.push_back(std::move(event));
  }
  ready_.notify_all();
}

BatchEngine::BatchEngine(Session& session, int max_waiting, int prompt_chunk)
    : session_(session), max_waiting_(max_waiting), prompt_chunk_(prompt_chunk > 0 ? prompt_chunk : kDefaultPromptChunk) {
  for (int s = 0; s < session.sequences(); ++s) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->sequence = s;
  }
  thread_ = std::thread([this] { loop(); });
}

BatchEngine::~BatchEngine() {
  {
    std::lock_guard<std::mutex> l(mutex_);
    quit_ = true;
  }
  cancel_all();
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<Job> BatchEngine::submit(Prompt prompt, GenerateParams params, std::vector<std::vector<float>> pixels) {
  auto job = std::make_shared<Job>();
  job->prompt_ = std::move(prompt);
  job->pixels_ = std::move(pixels);
  job->params_ = std::move(params);
  Job* j = job.get();
  job->params_.cancel = &j->cancel_;
  // The job's callbacks become its events (read by the caller's thread); false stops the job.
  job->params_.on_logprob = [j](const TokenLogprob& lp) { j->push({JobEvent::Kind::logprob, "", lp, {}}); };
  job->params_.on_thought = [j](const std::string& text) {
    j->push({JobEvent::Kind::thought, text, {}, {}});
    return !j->cancel_;
  };
  {
    std::lock_guard<std::mutex> l(mutex_);
    if (!accepting_) throw EngineBusy("the server is shutting down");
    if (static_cast<int>(waiting_.size()) >= max_waiting_ + static_cast<int>(std::count_if(
                                                             slots_.begin(), slots_.end(), [](const auto& s) { return !s->job; })))
      throw EngineBusy("too many requests are waiting; try again later");
    waiting_.push_back(job);
  }
  wake_.notify_all();
  return job;
}

void BatchEngine::stop_accepting() {
  std::deque<std::shared_ptr<Job>> refused;
  {
    std::lock_guard<std::mutex> l(mutex_);
    accepting_ = false;
    refused.swap(waiting_);
  }
  for (auto& job : refused) job->push({JobEvent::Kind::error, "the server is shutting down", {}, {}});
}

void BatchEngine::cancel_all() {
  std::lock_guard<std::mutex> l(mutex_);
  for (auto& job : waiting_) job->cancel();
  for (auto& slot : slots_)
    if (slot->job) slot->job->cancel();
}

void BatchEngine::loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> l(mutex_);
      auto free_slot = [&] { return std::any_of(slots_.begin(), slots_.end(), [](const auto& s) { return !s->job; }); };
      auto busy = [&] { return std::any_of(slots_.begin(), slots_.end(), [](const auto& s) { return s->job != nullptr; }); };
      wake_.wait(l, [&] { return quit_ || busy() || (!waiting_.empty() && free_slot()); });
      if (quit_ && !busy()) break;
    }
    admit();
    prompt_step();
    decode_step();
  }
  std::lock_guard<std::mutex> l(mutex_);
  for (auto& job : waiting_) job->push({JobEvent::Kind::error, "the engine stopped", {}, {}});
  waiting_.clear();
}

void BatchEngine::admit() {
  for (;;) {
    std::shared_ptr<Job> job;
    Slot* best = nullptr;
    {
      std::lock_guard<std::mutex> l(mutex_);
      if (waiting_.empty() || quit_) return;
      job = waiting_.front();
      // The free slot whose cache the prompt extends the furthest; else the one used least recently.
      size_t best_reuse = 0;
      for (auto& s : slots_) {
        if (s->job) continue;
        const std::vector<int>& p = job->prompt_.tokens;
        const bool extends = !s->cached.empty() && s->cached.size() < p.size() &&
                             std::equal(s->cached.begin(), s->cached.end(), p.begin());
        const size_t reuse = extends ? s->cached.size() : 0;
        if (!best || reuse > best_reuse || (reuse == best_reuse && s->last_used < best->last_used))
          best = s.get(), best_reuse = reuse;
      }
      if (!best) return;
      waiting_.pop_front();
      best->job = job;  // taken (busy() sees it)
    }
    start(*best, std::move(job));
  }
}

void BatchEngine::start(Slot& slot, std::shared_ptr<Job> job) {
  slot.started = slot.last_used = ++clock_;
  Job* j = job.get();
  j->push({JobEvent::Kind::started, "", {}, {}});
  try {
    session_.select(slot.sequence);
    // The images of the runs already in this sequence's cache are not encoded again (the run reads only the
    // later ones: GenerationRun).
    const std::vector<int>& p = j->prompt_.tokens;
    size_t cached_images = 0;
    const VisionConfig* v = session_.model().vision();
    if (v && slot.cached.size() < p.size() && std::equal(slot.cached.begin(), slot.cached.end(), p.begin()))
      cached_images = static_cast<size_t>(image_runs(slot.cached, *v));
    for (size_t i = 0; i < j->pixels_.size(); ++i)
      j->prompt_.images.push_back(i < cached_images ? std::vector<float>{} : session_.encode_image(j->pixels_[i]));
    j->pixels_.clear();
    auto on_text = [j](const std::string& text) {
      j->push({JobEvent::Kind::text, text, {}, {}});
      return !j->cancel_;
    };
    slot.run = std::make_unique<GenerationRun>(session_, slot.sequence, slot.cached, json_tokens_, j->prompt_,
                                               j->params_, on_text);
  } catch (const std::exception& e) {
    fail(slot, e.what());
  }
}

void BatchEngine::prompt_step() {
  Slot* oldest = nullptr;
  for (auto& s : slots_)
    if (s->run && s->run->prompting() && (!oldest || s->started < oldest->started)) oldest = s.get();
  if (!oldest) return;
  GenerationRun& run = *oldest->run;
  if (oldest->job->cancel_) {
    // Cancelled while its prompt was read: what is in the cache is a prefix of the prompt, and stays.
    run.cancel();
    return end(*oldest);
  }
  const size_t chunk = static_cast<size_t>(prompt_chunk_);
  try {
    if (run.input().size() > chunk) {
      run.append_part(run.chunk_end(chunk));
    } else {
      run.step_alone();
      if (run.finished()) end(*oldest);
    }
  } catch (const std::exception& e) {
    run.fail();
    fail(*oldest, e.what());
  }
}

void BatchEngine::decode_step() {
  std::vector<Slot*> batch;
  for (auto& s : slots_)
    if (s->run && !s->run->prompting() && !s->run->finished()) batch.push_back(s.get());
  if (batch.empty()) return;
  try {
    if (batch.size() == 1) {
      batch[0]->run->step_alone();
    } else {
      std::vector<int> tokens, sequences;
      for (Slot* s : batch) {
        s->run->begin_step();
        tokens.push_back(s->run->input()[0]);
        sequences.push_back(s->sequence);
      }
      // All greedy: the backend's argmax per row, ids read back (not every row's logits).
      if (std::all_of(batch.begin(), batch.end(), [](Slot* s) { return s->run->greedy(); })) {
        const std::vector<int> ids = session_.eval_batch_greedy(tokens, sequences);
        for (size_t i = 0; i < batch.size(); ++i) batch[i]->run->advance(ids[i]);
      } else {
        const std::vector<float> logits = session_.eval_batch(tokens, sequences);
        const size_t vocab = size_t(session_.model().config().vocab_size);
        for (size_t i = 0; i < batch.size(); ++i) batch[i]->run->advance(batch[i]->run->draw(logits.data() + i * vocab));
      }
    }
  } catch (const std::exception& e) {
    for (Slot* s : batch) {
      s->run->fail();
      fail(*s, e.what());
    }
    return;
  }
  for (Slot* s : batch) {
    s->last_used = ++clock_;
    if (s->run->finished()) end(*s);
  }
}

void BatchEngine::end(Slot& slot) {
  JobEvent done{JobEvent::Kind::done, "", {}, slot.run->finish()};
  slot.run.reset();
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> l(mutex_);
    job = std::move(slot.job);
  }
  job->push(std::move(done));
}

void BatchEngine::fail(Slot& slot, const std::string& message) {
  slot.run.reset();
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> l(mutex_);
    job = std::move(slot.job);
  }
  job->push({JobEvent::Kind::error, message, {}, {}});
}

}  // namespace vkg
