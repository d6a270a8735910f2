/* C API sessions (0.3): three conversations on one model opened for sessions, each on its own thread at once,
 * two turns each. Each reply must equal the reply a plain handle gives the same conversation alone (greedy,
 * exact CPU: batching changes nothing), and each second turn must reuse its first turn's cache. A cancelled
 * session ends VKG_FINISH_CANCELLED; the model-level calls refuse a sessions model.
 * Usage: vkgemma_c_api_sessions_test MODEL */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "c_check.h"
#include "vkgemma.h"

#define N_SESSIONS 3
#define TEXT_MAX 4096

static const char* questions[N_SESSIONS][2] = {
    {"Name a color.", "And another one?"},
    {"Count to five, please, slowly and with words.", "Now backwards."},
    {"Hi", "What is the capital of France?"}};

typedef struct {
  char text[TEXT_MAX];
  size_t len;
} Reply;

static int collect(const char* piece, size_t len, void* user) {
  Reply* r = (Reply*)user;
  if (r->len + len < TEXT_MAX) memcpy(r->text + r->len, piece, len), r->len += len, r->text[r->len] = '\0';
  return 0;
}

typedef struct {
  vkg_model* model;   /* plain handle (reference) or sessions model */
  vkg_session* session;
  int index;
  Reply replies[2];
  vkg_generate_result results[2];
  int rc;
} Conversation;

/* Two turns: the user's question, the reply, the next question. */
static void converse(Conversation* c) {
  vkg_generate_options o = vkg_generate_default_options();
  o.max_tokens = 12;
  vkg_message m[3];
  memset(m, 0, sizeof m);
  m[0].role = "user", m[0].content = questions[c->index][0];
  for (int turn = 0; turn < 2; ++turn) {
    if (turn == 1) {
      m[1].role = "assistant", m[1].content = c->replies[0].text;
      m[2].role = "user", m[2].content = questions[c->index][1];
    }
    c->replies[turn].len = 0;
    c->replies[turn].text[0] = '\0';
    const int n = turn == 0 ? 1 : 3;
    c->rc |= c->session ? vkg_session_chat(c->session, m, n, &o, collect, &c->replies[turn], &c->results[turn])
                        : vkg_chat(c->model, m, n, &o, collect, &c->replies[turn], &c->results[turn]);
  }
}

static void* run(void* arg) {
  converse((Conversation*)arg);
  return NULL;
}

static int cancel_at_once(const char* piece, size_t len, void* user) {
  (void)piece, (void)len;
  vkg_session_cancel((vkg_session*)user);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL\n", argv[0]);
    return 2;
  }
  vkg_model_options mo = vkg_model_default_options();
  mo.backend = "cpu";
  mo.context = 256;
  mo.exact = 1;

  Conversation alone[N_SESSIONS], together[N_SESSIONS];
  memset(alone, 0, sizeof alone);
  memset(together, 0, sizeof together);
  vkg_model* plain = vkg_model_open(argv[1], &mo);
  CHECK(plain != NULL);
  if (!plain) return 1;
  for (int i = 0; i < N_SESSIONS; ++i) {
    alone[i].model = plain, alone[i].index = i;
    vkg_reset(plain);
    converse(&alone[i]);
    CHECK(alone[i].rc == 0);
  }
  vkg_model_close(plain);

  CHECK(vkg_model_open_for_sessions(argv[1], NULL, &mo, 0) == NULL && strstr(vkg_last_error(), "1..64"));
  vkg_model* m = vkg_model_open_for_sessions(argv[1], NULL, &mo, N_SESSIONS);
  CHECK(m != NULL);
  if (!m) {
    fprintf(stderr, "%s\n", vkg_last_error());
    return 1;
  }
  pthread_t threads[N_SESSIONS];
  for (int i = 0; i < N_SESSIONS; ++i) {
    together[i].model = m, together[i].index = i, together[i].session = vkg_session_open(m);
    CHECK(together[i].session != NULL);
    pthread_create(&threads[i], NULL, run, &together[i]);
  }
  for (int i = 0; i < N_SESSIONS; ++i) pthread_join(threads[i], NULL);
  for (int i = 0; i < N_SESSIONS; ++i) {
    CHECK(together[i].rc == 0);
    for (int t = 0; t < 2; ++t) {
      if (strcmp(together[i].replies[t].text, alone[i].replies[t].text) != 0) {
        fprintf(stderr, "session %d turn %d: '%s' together, '%s' alone\n", i, t, together[i].replies[t].text,
                alone[i].replies[t].text);
        CHECK(0);
      }
      CHECK(together[i].results[t].completion_tokens == alone[i].results[t].completion_tokens);
    }
    /* The second turn starts with the first turn's prompt and reply, which its sequence still holds. */
    CHECK(together[i].results[1].reused_tokens > together[i].results[0].prompt_tokens / 2);
    printf("session %d: '%s' then '%s' (second turn: %d of %d prompt tokens reused)\n", i, together[i].replies[0].text,
           together[i].replies[1].text, together[i].results[1].reused_tokens, together[i].results[1].prompt_tokens);
  }

  /* Cancelled from its own callback: ends after that token. */
  vkg_message q = {"user", "Tell me a long story.", NULL, 0};
  vkg_generate_options o = vkg_generate_default_options();
  o.max_tokens = 100;
  vkg_generate_result r;
  CHECK(vkg_session_chat(together[0].session, &q, 1, &o, cancel_at_once, together[0].session, &r) == 0);
  CHECK(r.finish_reason == VKG_FINISH_CANCELLED && r.completion_tokens <= 2);

  /* A sessions model has no model-level conversation. */
  CHECK(vkg_chat(m, &q, 1, &o, NULL, NULL, NULL) == -1 && strstr(vkg_last_error(), "vkg_session_chat"));
  CHECK(vkg_session_open(NULL) == NULL);
  for (int i = 0; i < N_SESSIONS; ++i) vkg_session_close(together[i].session);
  vkg_model_close(m);
  if (failures == 0) printf("all C API session checks passed\n");
  return failures != 0;
}
