// The RTNeural side of tools/bench/rtneural.sh: one compile-time model (ModelT, float) streamed one sample at a time,
// as the C# side (tools/bench/streaming) streams RnnGen's Step, with the same statistic: blocks of 48 samples, the
// median of 21 batches after 3 s of warm-up, in ns per sample. Random weights; each model ends in Dense to 1 output.
//   rtneural_bench lstm16|gru16|lstm1x24|lstm4x8|gru4x8
#include <RTNeural/RTNeural.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <random>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

// 64-byte aligned input rows: xsimd's AVX-512 loads want them, as RTNeural's own benchmarks give them.
struct AlignedInput {
    float* data;
    explicit AlignedInput(size_t n) : data(static_cast<float*>(::operator new(n * sizeof(float), std::align_val_t(64)))) {}
    ~AlignedInput() { ::operator delete(data, std::align_val_t(64)); }
};

std::mt19937 rng(1);
float uniform() { return std::uniform_real_distribution<float>(-0.3f, 0.3f)(rng); }
std::vector<float> row(int n) { std::vector<float> v(n); for (auto& x : v) x = uniform(); return v; }
std::vector<std::vector<float>> matrix(int rows, int columns) { std::vector<std::vector<float>> m(rows); for (auto& r : m) r = row(columns); return m; }

// Recurrent layers: W [in][gates*out], U [out][gates*out]; LSTM one bias row, GRU two (input side, hidden side).
template <typename Layer> void randomLstm(Layer& l, int in, int out) { l.setWVals(matrix(in, 4 * out)); l.setUVals(matrix(out, 4 * out)); l.setBVals(row(4 * out)); }
template <typename Layer> void randomGru(Layer& l, int in, int out) { l.setWVals(matrix(in, 3 * out)); l.setUVals(matrix(out, 3 * out)); l.setBVals(matrix(2, 3 * out)); }
template <typename Layer> void randomDense(Layer& l, int in) { l.setWeights(matrix(1, in)); auto b = row(1); l.setBias(b.data()); }

template <typename Model> double nsPerSample(Model& model, int inputs) {
    AlignedInput input(48 * 16);
    for (int i = 0; i < 48 * inputs; i++) input.data[i] = 2 * uniform();
    model.reset();
    float sink = 0;
    auto batch = [&](int blocks) {
        auto start = Clock::now();
        for (int b = 0; b < blocks; b++)
            for (int i = 0; i < 48; i++) sink += model.forward(input.data + (inputs == 1 ? i : i * 16));
        return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / (blocks * 48.0);
    };
    for (auto until = Clock::now() + std::chrono::seconds(3); Clock::now() < until;) batch(2000);
    std::vector<double> times(21);
    for (auto& t : times) t = batch(20000);
    std::sort(times.begin(), times.end());
    if (sink == 12345.0f) std::puts("");
    return times[times.size() / 2];
}
} // namespace

int main(int argc, char** argv) {
    using namespace RTNeural;
    const char* which = argc > 1 ? argv[1] : "lstm16";
    double ns;
    if (!std::strcmp(which, "lstm16")) {
        ModelT<float, 16, 1, LSTMLayerT<float, 16, 16>, DenseT<float, 16, 1>> m;
        randomLstm(m.get<0>(), 16, 16); randomDense(m.get<1>(), 16);
        ns = nsPerSample(m, 16);
    } else if (!std::strcmp(which, "gru16")) {
        ModelT<float, 16, 1, GRULayerT<float, 16, 16>, DenseT<float, 16, 1>> m;
        randomGru(m.get<0>(), 16, 16); randomDense(m.get<1>(), 16);
        ns = nsPerSample(m, 16);
    } else if (!std::strcmp(which, "lstm1x24")) {
        ModelT<float, 1, 1, LSTMLayerT<float, 1, 24>, DenseT<float, 24, 1>> m;
        randomLstm(m.get<0>(), 1, 24); randomDense(m.get<1>(), 24);
        ns = nsPerSample(m, 1);
    } else if (!std::strcmp(which, "lstm4x8")) {
        ModelT<float, 1, 1, LSTMLayerT<float, 1, 8>, LSTMLayerT<float, 8, 8>, LSTMLayerT<float, 8, 8>, LSTMLayerT<float, 8, 8>, DenseT<float, 8, 1>> m;
        randomLstm(m.get<0>(), 1, 8); randomLstm(m.get<1>(), 8, 8); randomLstm(m.get<2>(), 8, 8); randomLstm(m.get<3>(), 8, 8); randomDense(m.get<4>(), 8);
        ns = nsPerSample(m, 1);
    } else if (!std::strcmp(which, "gru4x8")) {
        ModelT<float, 1, 1, GRULayerT<float, 1, 8>, GRULayerT<float, 8, 8>, GRULayerT<float, 8, 8>, GRULayerT<float, 8, 8>, DenseT<float, 8, 1>> m;
        randomGru(m.get<0>(), 1, 8); randomGru(m.get<1>(), 8, 8); randomGru(m.get<2>(), 8, 8); randomGru(m.get<3>(), 8, 8); randomDense(m.get<4>(), 8);
        ns = nsPerSample(m, 1);
    } else {
        std::fprintf(stderr, "unknown model '%s': lstm16, gru16, lstm1x24, lstm4x8 or gru4x8\n", which);
        return 2;
    }
    std::printf("%s %.2f\n", which, ns);
    return 0;
}
