// The C functions of faiss_bridge.h over FAISS's C++ API. Only headers that
// do not need OpenMP's omp.h are included (Debian's clang toolchain here does
// not ship it): indexes are made by the factory and tuned through ParameterSpace.
#include "faiss_bridge.h"

#include <faiss/AutoTune.h>
#include <faiss/Index.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <memory>

struct gk_faiss {
    std::unique_ptr<faiss::Index> index;
};

// OpenMP's entry points, declared here because omp.h is out of reach (above).
extern "C" int omp_get_max_threads(void);
extern "C" void omp_set_num_threads(int);

namespace {

// Small jobs run on the calling thread alone: FAISS opens OpenMP regions per
// k-means iteration and per block, and on a busy machine their barriers cost
// far more than the arithmetic (a 600-vector IVF-PQ training took minutes).
// omp_set_num_threads sets only the calling thread's team size.
struct TeamSize {
    int saved;
    explicit TeamSize(int64_t work) : saved(omp_get_max_threads()) {
        if (work < (int64_t(1) << 22)) omp_set_num_threads(1);
    }
    ~TeamSize() { omp_set_num_threads(saved); }
};

void setError(char *error, size_t size, const char *message) {
    if (error == nullptr || size == 0) return;
    std::strncpy(error, message, size - 1);
    error[size - 1] = 0;
}

// Runs body, turning any exception (FAISS throws FaissException) into -1 and a message.
template <typename Body>
int32_t guarded(char *error, size_t size, Body body) {
    try {
        body();
        return 0;
    } catch (const std::exception &e) {
        setError(error, size, e.what());
    } catch (...) {
        setError(error, size, "unknown FAISS failure");
    }
    return -1;
}

}  // namespace

extern "C" gk_faiss *gk_faiss_create(int32_t dimension, const char *description, char *error, size_t error_size) {
    gk_faiss *made = nullptr;
    guarded(error, error_size, [&] {
        auto index = std::unique_ptr<faiss::Index>(faiss::index_factory(dimension, description, faiss::METRIC_INNER_PRODUCT));
        made = new gk_faiss{std::move(index)};
    });
    return made;
}

extern "C" int32_t gk_faiss_train(gk_faiss *index, int64_t n, const float *vectors, char *error, size_t error_size) {
    return guarded(error, error_size, [&] {
        TeamSize team(n * index->index->d);
        if (!index->index->is_trained) index->index->train(n, vectors);
    });
}

extern "C" int32_t gk_faiss_add(gk_faiss *index, int64_t n, const float *vectors, char *error, size_t error_size) {
    return guarded(error, error_size, [&] {
        TeamSize team(n * index->index->d);
        index->index->add(n, vectors);
    });
}

extern "C" int32_t gk_faiss_set_parameter(gk_faiss *index, const char *name, double value, char *error, size_t error_size) {
    return guarded(error, error_size, [&] { faiss::ParameterSpace().set_index_parameter(index->index.get(), name, value); });
}

extern "C" int32_t gk_faiss_search(
    gk_faiss *index, int64_t nq, const float *queries, int64_t k, float *scores, int64_t *labels, char *error,
    size_t error_size) {
    return guarded(error, error_size, [&] {
        TeamSize team(nq * index->index->ntotal * index->index->d / 64);
        index->index->search(nq, queries, k, scores, labels);
    });
}

extern "C" int64_t gk_faiss_count(const gk_faiss *index) { return index->index->ntotal; }

extern "C" int32_t gk_faiss_dimension(const gk_faiss *index) { return index->index->d; }

extern "C" int32_t gk_faiss_is_trained(const gk_faiss *index) { return index->index->is_trained ? 1 : 0; }

extern "C" int32_t gk_faiss_serialize(const gk_faiss *index, uint8_t **bytes, size_t *count, char *error, size_t error_size) {
    return guarded(error, error_size, [&] {
        faiss::VectorIOWriter writer;
        faiss::write_index(index->index.get(), &writer);
        auto *buffer = static_cast<uint8_t *>(std::malloc(writer.data.size() > 0 ? writer.data.size() : 1));
        if (buffer == nullptr) throw std::bad_alloc();
        std::memcpy(buffer, writer.data.data(), writer.data.size());
        *bytes = buffer;
        *count = writer.data.size();
    });
}

extern "C" gk_faiss *gk_faiss_deserialize(const uint8_t *bytes, size_t count, char *error, size_t error_size) {
    gk_faiss *made = nullptr;
    guarded(error, error_size, [&] {
        faiss::VectorIOReader reader;
        reader.data.assign(bytes, bytes + count);
        auto index = std::unique_ptr<faiss::Index>(faiss::read_index(&reader));
        // The gallery stores inner-product indexes only; another metric would rank the wrong way round.
        if (index->metric_type != faiss::METRIC_INNER_PRODUCT) throw std::runtime_error("the FAISS index is not inner-product");
        made = new gk_faiss{std::move(index)};
    });
    return made;
}

extern "C" void gk_faiss_free(gk_faiss *index) { delete index; }
