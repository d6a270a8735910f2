/* vkgemma's C API: run Gemma models from any language that can call C.
 *
 * Opaque handles, plain C types, no C++ across the boundary. Every call that can fail returns NULL or -1 and
 * leaves a message in vkg_last_error() (per thread).
 *
 * Threads: each function below says which of these it is.
 *   [any thread]  may be called from any thread at any time, also while other calls run.
 *   [per handle]  calls on one vkg_model must not overlap (one thread at a time, or serialized by the caller);
 *                 calls on different handles may run on different threads at once (each handle has its own
 *                 weights, backend and KV cache; the library keeps no other mutable state but per-thread
 *                 errors and the device list, made once).
 *   [per session] calls on one vkg_session must not overlap; calls on different sessions of one model may run
 *                 on different threads at once (vkg_model_open_for_sessions: the model runs them together).
 *   vkg_cancel() is the one call that may overlap a [per handle] call on the same handle.
 *
 * Versions: VKGEMMA_API_VERSION_MAJOR changes when a function or struct changes incompatibly; _MINOR when
 * functions or struct fields are added. vkg_api_version() is the library's, to compare with the header's.
 * Structs the library fills (vkg_device, vkg_model_summary) start with struct_size, which the caller sets:
 * fields are only ever added at their end. Structs the caller passes in (options, messages, images) are fixed
 * within a major version: a later minor version adds new functions rather than fields to them.
 *
 *   vkg_model* m = vkg_model_open("models/gemma-3-270m-q4_k_m.gguf", NULL);
 *   if (!m) { fprintf(stderr, "%s\n", vkg_last_error()); return 1; }
 *   vkg_generate(m, "The capital of France is", NULL, print_piece, NULL, NULL);
 *   vkg_model_close(m);
 */
#ifndef VKGEMMA_H
#define VKGEMMA_H

#include <stddef.h>
#include <stdint.h>

/* 0.1: text generation, tokenizer, chat prompt. 0.2: vkg_chat with images, vkg_model_open_with_vision, devices,
 * model info, vkg_api_version. 0.3: sessions (several conversations on one model at once),
 * vkg_model_open_with_progress. */
#define VKGEMMA_API_VERSION_MAJOR 0
#define VKGEMMA_API_VERSION_MINOR 3

#if defined(_WIN32)
#if defined(VKGEMMA_BUILDING_LIBRARY)
#define VKGEMMA_API __declspec(dllexport)
#else
#define VKGEMMA_API __declspec(dllimport)
#endif
#else
#define VKGEMMA_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vkg_model vkg_model; /* a loaded model with its backend and KV cache */

typedef struct vkg_model_options {
  const char* backend; /* "auto" (Vulkan on a GPU, else CPU), "cpu" or "vulkan"; NULL: "auto" */
  int device;          /* Vulkan device index; -1: the best one */
  int context;         /* context in tokens; 0: the model's, reduced until the KV cache fits the device */
  int threads;         /* CPU backend threads; 0: all hardware threads */
  int exact;           /* 1 = fp32 activations in matmuls (the reference path, slower); 0 = 8-bit
                          activations and integer dot products, as llama.cpp (the default): on the CPU
                          backend (BF16 weights: bf16 activations in prompts where the CPU has
                          AVX512_BF16), and on lavapipe for prompts' Q4_0/Q5_0/Q4_K/Q6_K products */
} vkg_model_options;

typedef struct vkg_generate_options {
  int max_tokens;          /* tokens to generate at most */
  float temperature;       /* <= 0: greedy */
  int top_k;               /* 0: off */
  float top_p;             /* 1: off */
  uint64_t seed;           /* for temperature > 0 */
  const char* const* stop; /* n_stop strings that end generation (not included in the output) */
  int n_stop;
  int add_bos;             /* prepend BOS to the prompt (1 by default) */
} vkg_generate_options;

typedef enum vkg_finish_reason {
  VKG_FINISH_STOP = 0,         /* end of sequence, <end_of_turn> or a stop string */
  VKG_FINISH_LENGTH = 1,       /* max_tokens reached */
  VKG_FINISH_CONTEXT_FULL = 2, /* the context has no room left */
  VKG_FINISH_CANCELLED = 3     /* the callback returned non-zero, or vkg_cancel() */
} vkg_finish_reason;

typedef struct vkg_generate_result {
  int prompt_tokens;
  int reused_tokens; /* prompt tokens already in the KV cache from the previous call (not evaluated again) */
  int completion_tokens;
  vkg_finish_reason finish_reason;
} vkg_generate_result;

typedef struct vkg_chat_message {
  const char* role; /* "system" (first only), "user", "assistant" */
  const char* content;
} vkg_chat_message;

/* An image for a user turn (Gemma 3 4B+ with its vision tower): a file, or the encoded bytes of one in memory
 * (PNG, JPEG, BMP, GIF's first frame, TGA, PSD, HDR, PIC; not raw pixels). Set `path`, or `data` and `size`. */
typedef struct vkg_image {
  const char* path; /* an image file; NULL: the bytes below */
  const void* data; /* the encoded bytes (read during the call only) */
  size_t size;
} vkg_image;

/* A chat message with images, for vkg_chat. The images are shown before the message's text, as Gemma 3's chat
 * template places them; only user messages may have images. */
typedef struct vkg_message {
  const char* role; /* "system" (first only), "user", "assistant" */
  const char* content;
  const vkg_image* images; /* n_images of them; NULL when n_images is 0 */
  int n_images;
} vkg_message;

/* A device a model can run on (vkg_device_info): each Vulkan device, then the CPU. To run on it, set
 * vkg_model_options.backend to `backend` and .device to `device`. */
typedef struct vkg_device {
  size_t struct_size;    /* set by the caller to sizeof(vkg_device); fields added later go at the end */
  char backend[8];       /* "vulkan" or "cpu" */
  int device;            /* the Vulkan device index; -1 for the CPU */
  char name[256];        /* e.g. "NVIDIA H100 80GB HBM3", "llvmpipe (LLVM 15.0.6, 256 bits)", the CPU's model name */
  char type[16];         /* "discrete", "integrated", "virtual", "cpu" (a CPU Vulkan driver, or the CPU), "other" */
  uint64_t memory_bytes; /* Vulkan: device-local memory; the CPU: physical memory */
} vkg_device;

/* What a loaded model is (vkg_model_info). */
typedef struct vkg_model_summary {
  size_t struct_size;      /* set by the caller to sizeof(vkg_model_summary); fields added later go at the end */
  char name[128];          /* the checkpoint's name, when the file gives one */
  char architecture[16];   /* the Gemma generation: "gemma", "gemma2", "gemma3", "gemma4" */
  char chat_template[16];  /* the turn template vkg_chat renders: "gemma" (<start_of_turn>) or "gemma4" (<|turn>) */
  int64_t parameters;      /* elements of all weights (the vision tower's included) */
  int64_t weight_bytes;    /* the weights' bytes as stored (quantized) */
  int context;             /* this handle's context in tokens (vkg_model_context) */
  int max_context;         /* the context the model was trained for */
  int vocab_size, layers, hidden;
  int vision;              /* 1: a vision tower is loaded (vkg_chat takes images) */
  int tokens_per_image;    /* image tokens each image takes in the prompt, besides its markers and newlines
                              (0 without vision) */
} vkg_model_summary;

/* Receives each piece of generated text (complete UTF-8, `length` bytes, also NUL-terminated).
 * Return 0 to go on, non-zero to stop. */
typedef int (*vkg_text_callback)(const char* text, size_t length, void* user_data);

/* The library's version, e.g. "0.1" (the project's release). [any thread] */
VKGEMMA_API const char* vkg_version(void);
/* The library's C API version: (VKGEMMA_API_VERSION_MAJOR << 16) | VKGEMMA_API_VERSION_MINOR as it was built;
 * a program built against this header works with a library of the same major and at least its minor.
 * [any thread] */
VKGEMMA_API uint32_t vkg_api_version(void);
/* The message of this thread's last failed call ("" if none). Valid until this thread's next failing call.
 * [any thread] */
VKGEMMA_API const char* vkg_last_error(void);

/* The devices: each Vulkan device, then the CPU (always there; no Vulkan driver leaves only it). Listed once
 * per process. vkg_device_count returns how many; vkg_device_info fills info->struct_size bytes of entry
 * `index` (0 <= index < count). Return -1 on error. [any thread] */
VKGEMMA_API int vkg_device_count(void);
VKGEMMA_API int vkg_device_info(int index, vkg_device* info);

VKGEMMA_API vkg_model_options vkg_model_default_options(void); /* [any thread] */
/* A GGUF file or a Hugging Face directory. options may be NULL (defaults). NULL on error. [any thread]: opening
 * makes a new handle. */
VKGEMMA_API vkg_model* vkg_model_open(const char* path, const vkg_model_options* options);
/* The same with the vision tower of a GGUF text model in a llama.cpp mmproj file (projector "gemma3"); mmproj
 * NULL: none (a Hugging Face directory of Gemma3ForConditionalGeneration has its tower inside). [any thread] */
VKGEMMA_API vkg_model* vkg_model_open_with_vision(const char* path, const char* mmproj, const vkg_model_options* options);
/* Loading progress (vkg_model_open_with_progress), called on the opening thread: stage "reading" once as the
 * model file is opened (done 0, total 0), then stage "weights" as the backend takes the weights in (bytes of the
 * model's weights done of `total`): on Vulkan after each upload, on the CPU once when they are ready; the last
 * call has done == total. */
typedef void (*vkg_progress_callback)(const char* stage, int64_t done, int64_t total, void* user_data);
/* vkg_model_open_with_vision that reports its progress to on_progress (may be NULL). Since 0.3. [any thread] */
VKGEMMA_API vkg_model* vkg_model_open_with_progress(const char* path, const char* mmproj,
                                                     const vkg_model_options* options,
                                                     vkg_progress_callback on_progress, void* user_data);
/* Frees the handle; NULL is fine. [per handle], and no vkg_cancel on it may still run. */
VKGEMMA_API void vkg_model_close(vkg_model* model);
/* These read what the handle was opened with and may overlap any call on it but vkg_model_close.
 * vkg_model_backend: e.g. "cpu (2 threads)"; valid while the handle is open. */
VKGEMMA_API const char* vkg_model_backend(const vkg_model* model);
VKGEMMA_API int vkg_model_context(const vkg_model* model);
VKGEMMA_API int vkg_model_vocab_size(const vkg_model* model);
/* Fills info->struct_size bytes of what the model is. Returns 0, or -1 on error. Like the three above, may
 * overlap any call on the handle but vkg_model_close. */
VKGEMMA_API int vkg_model_info(const vkg_model* model, vkg_model_summary* info);

/* Text to token ids. Returns the number of tokens (write at most `capacity`; call again with a larger
 * array when the result exceeds it), -1 on error. [per handle] */
VKGEMMA_API int vkg_tokenize(vkg_model* model, const char* text, int add_bos, int32_t* tokens, int capacity);
/* Token ids to text, like snprintf: returns the text's length in bytes (excluding the NUL), writes at most
 * capacity - 1 bytes and a NUL; -1 on error (e.g. an id outside the vocabulary). [per handle] */
VKGEMMA_API int vkg_detokenize(vkg_model* model, const int32_t* tokens, int n_tokens, char* text, size_t capacity);
/* A conversation in Gemma's chat template, ending with the opened model turn; snprintf-like as above;
 * -1 on error (roles not alternating user/assistant). Pass the result to vkg_generate. [any thread] */
VKGEMMA_API int vkg_chat_prompt(const vkg_chat_message* messages, int n_messages, char* text, size_t capacity);

VKGEMMA_API vkg_generate_options vkg_generate_default_options(void); /* 128 tokens, greedy, add_bos. [any thread] */
/* Generates a continuation of `prompt`, calling on_text (may be NULL) for each piece. When the prompt
 * extends the previous call's prompt and output (the next turn of a chat), only the new tokens are
 * evaluated. options and result may be NULL. Returns 0, or -1 on error. The callback runs on the calling
 * thread; returning non-zero from it, or vkg_cancel(), ends the call after the current token with
 * VKG_FINISH_CANCELLED (the text so far stays in the KV cache, so the next call can extend it). [per handle] */
VKGEMMA_API int vkg_generate(vkg_model* model, const char* prompt, const vkg_generate_options* options,
                             vkg_text_callback on_text, void* user_data, vkg_generate_result* result);
/* The reply to a conversation in the model's own chat template (Gemma 1-3 or Gemma 4), ending with an opened
 * model turn; what the messages say is tokenized as text, never as control tokens. Each user message may
 * carry images (the model needs a vision tower: vkg_model_open_with_vision, or a Hugging Face directory with
 * one). As with vkg_generate, a conversation that extends the previous call's (the next turn) evaluates only
 * its new tokens, and the images already in the cache are not encoded again. options->add_bos is ignored (the
 * template starts with BOS); stop strings, sampling, the callback and cancellation work as in vkg_generate.
 * Returns 0, or -1 with vkg_last_error() naming the problem: an image that cannot be read or decoded (its path,
 * or "message M image I", counted from 0), images for a model without a vision tower, images and text that
 * need more tokens than the context holds, roles out of order. [per handle] */
VKGEMMA_API int vkg_chat(vkg_model* model, const vkg_message* messages, int n_messages,
                         const vkg_generate_options* options, vkg_text_callback on_text, void* user_data,
                         vkg_generate_result* result);
/* Asks the vkg_generate or vkg_chat running on the handle (on another thread, or from its callback) to stop
 * after its current token. Each of those calls clears the request when it starts: a vkg_cancel made before
 * it began is forgotten. [any thread], while the handle is open. */
VKGEMMA_API void vkg_cancel(vkg_model* model);
/* Forgets the KV cache (the next prompt is evaluated from the start). [per handle] */
VKGEMMA_API void vkg_reset(vkg_model* model);

/* Sessions (0.3): several conversations on one loaded model, their calls running at once on different
 * threads. The model keeps `sessions` sequences in its KV cache (1..64, each `context` tokens: the memory check
 * counts them all) and one engine thread runs every call in flight: their decode steps go as one batched
 * step (the weights read once for all of them), a long prompt in chunks between them. A call beyond `sessions`
 * in flight waits for one to end. A conversation's next turn evaluates only its new tokens while its sequence
 * still holds the previous turn (other conversations take the least recently used sequence first).
 *
 *   vkg_model* m = vkg_model_open_for_sessions("model.gguf", NULL, NULL, 4);
 *   vkg_session* a = vkg_session_open(m);     // per conversation, e.g. per thread
 *   vkg_session_chat(a, messages, n, NULL, print_piece, NULL, NULL);
 *   vkg_session_close(a);                     // every session before the model
 *   vkg_model_close(m);
 */
typedef struct vkg_session vkg_session;
/* As vkg_model_open_with_vision (mmproj may be NULL), for sessions. On such a handle vkg_generate, vkg_chat and
 * vkg_reset fail (use sessions); the model's other calls work as usual. NULL on error. [any thread] */
VKGEMMA_API vkg_model* vkg_model_open_for_sessions(const char* path, const char* mmproj,
                                                   const vkg_model_options* options, int sessions);
/* A new conversation on a model opened for sessions; NULL on error. [any thread], while the model is open. */
VKGEMMA_API vkg_session* vkg_session_open(vkg_model* model);
/* Frees the session; NULL is fine. [per session], and no call on it may still run. */
VKGEMMA_API void vkg_session_close(vkg_session* session);
/* vkg_chat for this conversation: the same messages, images, options, callback (on the calling thread) and
 * result. Returns 0, or -1 with vkg_last_error(). [per session] */
VKGEMMA_API int vkg_session_chat(vkg_session* session, const vkg_message* messages, int n_messages,
                                 const vkg_generate_options* options, vkg_text_callback on_text, void* user_data,
                                 vkg_generate_result* result);
/* Asks the session's call in flight to stop after its current token (VKG_FINISH_CANCELLED); each call clears
 * the request when it starts. [any thread], while the session is open. */
VKGEMMA_API void vkg_session_cancel(vkg_session* session);

#ifdef __cplusplus
}
#endif

#endif /* VKGEMMA_H */
