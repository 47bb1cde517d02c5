/*
 * rnngen.h: the C interface of RnnGen models published as native libraries.
 *
 * A model declared with NativeExports, e.g.
 *
 *     [RnnModel(Hidden = 16, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError,
 *               NativeExports = "effect")]
 *     internal partial class EffectModel { }
 *
 * and published with NativeAOT as a shared library (dotnet publish -p:NativeLib=Shared) exports the functions
 * that RNNGEN_DECLARE_MODEL(effect, float, float) declares below: effect_create, effect_load_file, effect_step, ...
 * The second argument is the model's element type (float, or double for Precision.Double), the third what one
 * step reads: the element type for dense input (Input values per step), int32_t for token input (one id per step).
 *
 * Every function but *_last_error and the sizes returns an rnngen_status. No exception and no
 * signal crosses the interface: a failure returns a status and leaves a message for *_last_error on the
 * calling thread, and leaves the model as it was. Bad handles (NULL, destroyed, from another model) are
 * reported, not dereferenced.
 *
 * Threads: a model runs one call at a time; a call made while another thread is in one on the same model
 * returns RNNGEN_BUSY. Use one model per thread, or serialise the calls. Each model carries its own
 * recurrent state. *_step and *_process allocate nothing, take no lock and make no system call, but the
 * first call of any function on a thread attaches that thread to the .NET runtime: call *_reset once on the
 * audio thread before real time starts.
 */
#ifndef RNNGEN_H
#define RNNGEN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rnngen_status {
    RNNGEN_OK = 0,
    RNNGEN_INVALID_ARGUMENT = 1, /* a NULL pointer, an unknown handle, a length or token id that does not fit */
    RNNGEN_INVALID_WEIGHTS = 2,  /* not a safetensors file this model can load (the message says why) */
    RNNGEN_IO_ERROR = 3,         /* the weight file could not be opened or read */
    RNNGEN_OUT_OF_MEMORY = 4,
    RNNGEN_INTERNAL_ERROR = 5,
    RNNGEN_BUSY = 6              /* the model was in a call on another thread; this one changed nothing */
} rnngen_status;

/* A model: its weights and its recurrent state. Opaque; a handle, not an address. */
typedef struct rnngen_model rnngen_model;

#if defined(_WIN32)
#define RNNGEN_IMPORT __declspec(dllimport)
#else
#define RNNGEN_IMPORT
#endif

/* The declarations a model's macro writes have C linkage wherever the macro is used. */
#ifdef __cplusplus
#define RNNGEN_API extern "C" RNNGEN_IMPORT
#else
#define RNNGEN_API RNNGEN_IMPORT
#endif

/*
 * prefix##_create       makes a model with PyTorch's default initial weights (seed 0) and the zero state,
 *                       and writes its handle to *model.
 * prefix##_load_file    loads weights from a safetensors file (UTF-8 path) with PyTorch's parameter names,
 *                       as the model's SaveWeights writes them, and resets the state.
 * prefix##_load_buffer  the same from length bytes of a safetensors file in memory.
 * prefix##_reset        returns the state to zero: the start of a new stream.
 * prefix##_step         advances the state by one step: input holds input_width values (or one token id),
 *                       output receives output_width values (a longer buffer keeps the rest).
 * prefix##_process      runs input_length / input_width steps in a row (an audio block), writing
 *                       output_width values per step; the same as calling prefix##_step for each.
 * prefix##_destroy      frees the model; NULL is ignored (RNNGEN_OK).
 * prefix##_input_width  values one step reads (1 for a token model); prefix##_output_width values it writes.
 * prefix##_last_error   copies the calling thread's last failure message (UTF-8, NUL-terminated, cut to fit
 *                       capacity bytes) and returns its whole length without the NUL, like snprintf; 0 if none.
 */
#define RNNGEN_DECLARE_MODEL(prefix, real_t, input_t)                                                        \
    RNNGEN_API int32_t prefix##_create(rnngen_model** model);                                             \
    RNNGEN_API int32_t prefix##_load_file(rnngen_model* model, const char* path);                         \
    RNNGEN_API int32_t prefix##_load_buffer(rnngen_model* model, const void* data, size_t length);        \
    RNNGEN_API int32_t prefix##_reset(rnngen_model* model);                                               \
    RNNGEN_API int32_t prefix##_step(rnngen_model* model, const input_t* input, size_t input_length,      \
                                        real_t* output, size_t output_length);                               \
    RNNGEN_API int32_t prefix##_process(rnngen_model* model, const input_t* input, size_t input_length,   \
                                           real_t* output, size_t output_length);                            \
    RNNGEN_API int32_t prefix##_destroy(rnngen_model* model);                                                \
    RNNGEN_API int32_t prefix##_input_width(void);                                                        \
    RNNGEN_API int32_t prefix##_output_width(void);                                                       \
    RNNGEN_API size_t prefix##_last_error(char* buffer, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* RNNGEN_H */
