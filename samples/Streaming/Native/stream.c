/*
 * stream.c: a C host for the streaming sample's model, the way an audio plugin would use it. It loads the weights the
 * managed sample trained, streams a WAV file through the model in blocks of 128 frames (one model per channel, each
 * with its own state), writes the result as a 32-bit float WAV and, given the managed sample's output.wav, prints the
 * largest difference from what the managed Step computed. It also checks that bad calls come back as status codes.
 *
 *   dotnet run -c Release --project samples/Streaming -- --out out/streaming
 *   dotnet publish samples/Streaming/Native -c Release -o out/effect-native
 *   clang -O2 -I src/RnnGen/Native samples/Streaming/Native/stream.c -o out/effect-native/stream \
 *         -L out/effect-native -l:libeffect.so -Wl,-rpath,'$ORIGIN'
 *   out/effect-native/stream out/streaming/effect.safetensors out/streaming/input.wav out/effect.wav out/streaming/output.wav
 */
/* clock_gettime and CLOCK_MONOTONIC are POSIX, not ISO C: ask for them under -std=c11. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include "rnngen.h"

RNNGEN_DECLARE_MODEL(effect, float, float)

enum { BLOCK = 128, MAX_CHANNELS = 16 };

typedef struct {
    int channels, rate;
    size_t frames;
    float* samples; /* interleaved */
} audio;

static uint32_t u32(const unsigned char* p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t u16(const unsigned char* p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Reads 16-bit PCM or 32-bit float WAV (what the managed sample writes, and most tools). */
static int read_wav(const char* path, audio* a) {
    FILE* f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); return 0; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char* bytes = malloc((size_t)size);
    if (!bytes || fread(bytes, 1, (size_t)size, f) != (size_t)size || size < 12 || memcmp(bytes, "RIFF", 4) || memcmp(bytes + 8, "WAVE", 4)) {
        fprintf(stderr, "%s is not a RIFF/WAVE file\n", path);
        fclose(f); free(bytes); return 0;
    }
    fclose(f);
    int format = 0, bits = 0;
    for (long at = 12; at + 8 <= size;) {
        uint32_t length = u32(bytes + at + 4);
        const unsigned char* body = bytes + at + 8;
        if (!memcmp(bytes + at, "fmt ", 4) && length >= 16) {
            format = u16(body); a->channels = u16(body + 2); a->rate = (int)u32(body + 4); bits = u16(body + 14);
        } else if (!memcmp(bytes + at, "data", 4) && format) {
            if (length > (uint32_t)(size - at - 8)) length = (uint32_t)(size - at - 8);
            if (!((format == 1 && bits == 16) || (format == 3 && bits == 32)) || a->channels < 1 || a->channels > MAX_CHANNELS) {
                fprintf(stderr, "%s: format %d with %d bits and %d channels; this host reads 16-bit PCM and 32-bit float, 1-%d channels\n",
                        path, format, bits, a->channels, MAX_CHANNELS);
                free(bytes); return 0;
            }
            size_t count = length / (bits / 8);
            a->frames = count / (size_t)a->channels;
            a->samples = malloc(count * sizeof(float));
            for (size_t i = 0; i < count; i++) {
                if (bits == 16) a->samples[i] = (int16_t)u16(body + 2 * i) / 32768.0f;
                else { uint32_t v = u32(body + 4 * i); memcpy(&a->samples[i], &v, 4); }
            }
            free(bytes);
            return 1;
        }
        at += 8 + length + (length & 1);
    }
    fprintf(stderr, "%s has no fmt and data chunks\n", path);
    free(bytes);
    return 0;
}

static void put32(FILE* f, uint32_t v) { unsigned char b[4] = { v, v >> 8, v >> 16, v >> 24 }; fwrite(b, 1, 4, f); }
static void put16(FILE* f, uint16_t v) { unsigned char b[2] = { v, v >> 8 }; fwrite(b, 1, 2, f); }

static int write_wav(const char* path, const audio* a) {
    FILE* f = fopen(path, "wb");
    if (!f) { fprintf(stderr, "cannot write %s\n", path); return 0; }
    uint32_t data = (uint32_t)(a->frames * (size_t)a->channels * 4);
    fwrite("RIFF", 1, 4, f); put32(f, 36 + data); fwrite("WAVEfmt ", 1, 8, f);
    put32(f, 16); put16(f, 3); put16(f, (uint16_t)a->channels); put32(f, (uint32_t)a->rate);
    put32(f, (uint32_t)a->rate * (uint32_t)a->channels * 4); put16(f, (uint16_t)(a->channels * 4)); put16(f, 32);
    fwrite("data", 1, 4, f); put32(f, data);
    for (size_t i = 0; i < a->frames * (size_t)a->channels; i++) { uint32_t v; memcpy(&v, &a->samples[i], 4); put32(f, v); }
    return fclose(f) == 0;
}

/* Prints what failed and the library's message for it. */
static int failed(const char* what, int32_t status) {
    char message[512];
    effect_last_error(message, sizeof message);
    fprintf(stderr, "%s failed with status %d: %s\n", what, status, message);
    return 1;
}

/* Each bad call must return its status and a message, and leave the model working. */
static int check_errors(rnngen_model* model) {
    char message[512];
    float x = 0.5f, y[2];
    const unsigned char junk[64] = { 8, 0, 0, 0, 0, 0, 0, 0, '{', '}' };
    rnngen_model* gone = NULL;
    struct { const char* what; int32_t status, expected; } cases[5];
    int n = 0, bad = 0;
    cases[n].what = "step with a NULL model"; cases[n].status = effect_step(NULL, &x, 1, y, 1); cases[n++].expected = RNNGEN_INVALID_ARGUMENT;
    cases[n].what = "step with 2 inputs"; cases[n].status = effect_step(model, y, 2, y, 1); cases[n++].expected = RNNGEN_INVALID_ARGUMENT;
    cases[n].what = "step into a NULL output"; cases[n].status = effect_step(model, &x, 1, NULL, 1); cases[n++].expected = RNNGEN_INVALID_ARGUMENT;
    cases[n].what = "load of a corrupt buffer"; cases[n].status = effect_load_buffer(model, junk, sizeof junk); cases[n++].expected = RNNGEN_INVALID_WEIGHTS;
    effect_create(&gone);
    effect_destroy(gone);
    cases[n].what = "step with a destroyed model"; cases[n].status = effect_step(gone, &x, 1, y, 1); cases[n++].expected = RNNGEN_INVALID_ARGUMENT;
    for (int i = 0; i < n; i++) {
        size_t length = effect_last_error(message, sizeof message);
        if (cases[i].status != cases[i].expected || length == 0) {
            fprintf(stderr, "%s: status %d, expected %d (%s)\n", cases[i].what, cases[i].status, cases[i].expected, message);
            bad = 1;
        }
    }
    if (!bad) printf("errors     %d bad calls (NULL model, wrong length, NULL output, corrupt weights, destroyed model) returned their status codes; last message: %s\n", n, message);
    return bad;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s WEIGHTS.safetensors INPUT.wav OUTPUT.wav [REFERENCE.wav]\n", argv[0]);
        return 2;
    }
    if (effect_input_width() != 1 || effect_output_width() != 1) {
        fprintf(stderr, "this host streams one sample in and one out; the library's model takes %d and gives %d\n",
                effect_input_width(), effect_output_width());
        return 1;
    }
    audio in = { 0 }, out;
    if (!read_wav(argv[2], &in)) return 1;
    out = in;
    out.samples = calloc(in.frames * (size_t)in.channels, sizeof(float));

    rnngen_model* models[MAX_CHANNELS];
    int32_t status;
    for (int c = 0; c < in.channels; c++) {
        if ((status = effect_create(&models[c])) != RNNGEN_OK) return failed("effect_create", status);
        if ((status = effect_load_file(models[c], argv[1])) != RNNGEN_OK) return failed("effect_load_file", status);
    }
    if (check_errors(models[0])) return 1;
    /* The error checks stepped nothing, and a failed load changes nothing, but start every stream afresh anyway. */
    for (int c = 0; c < in.channels; c++) effect_reset(models[c]);

    float x[BLOCK], y[BLOCK];
    double start = now();
    for (size_t at = 0; at < in.frames; at += BLOCK) {
        size_t n = in.frames - at < BLOCK ? in.frames - at : BLOCK;
        for (int c = 0; c < in.channels; c++) {
            for (size_t i = 0; i < n; i++) x[i] = in.samples[(at + i) * (size_t)in.channels + (size_t)c];
            if ((status = effect_process(models[c], x, n, y, n)) != RNNGEN_OK) return failed("effect_process", status);
            for (size_t i = 0; i < n; i++) out.samples[(at + i) * (size_t)in.channels + (size_t)c] = y[i];
        }
    }
    double seconds = now() - start, samples = (double)in.frames * in.channels;
    for (int c = 0; c < in.channels; c++) effect_destroy(models[c]);
    if (!write_wav(argv[3], &out)) return 1;
    printf("native     %zu frames x %d channel(s) through effect_process in blocks of %d: %.0f ns per sample, written to %s\n",
           in.frames, in.channels, BLOCK, seconds * 1e9 / samples, argv[3]);

    if (argc > 4) {
        audio reference;
        if (!read_wav(argv[4], &reference)) return 1;
        if (reference.frames != in.frames || reference.channels != in.channels) {
            fprintf(stderr, "%s has %zu frames x %d channels, the output %zu x %d\n", argv[4], reference.frames, reference.channels, in.frames, in.channels);
            return 1;
        }
        double difference = 0;
        for (size_t i = 0; i < in.frames * (size_t)in.channels; i++) difference = fmax(difference, fabs((double)out.samples[i] - reference.samples[i]));
        printf("check      the C host's output against the managed Step's (%s): largest difference %.2g\n", argv[4], difference);
    }
    return 0;
}
