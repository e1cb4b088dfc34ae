// What the compiler targets, read from the C preprocessor. The clang importer of a Swift
// target sees that target's `-Xcc` flags, and Swift takes its CPU from the importer, so
// for the Engine (built with `-Xcc -march=…`) this is the vector width its own SIMD code
// was compiled for — not what the CPU could do, which matters when the build targets less.
static inline int cairn_vector_bytes(void) {
#if defined(__AVX512F__)
    return 64;
#elif defined(__AVX__)
    return 32;
#else
    return 16;
#endif
}

// Asks for the cache line at `p` ahead of its use (a hint: it changes no value). The
// minibatch's rows are scattered over the training set, so each row read alone waits on
// memory; asked for a few rows ahead, they arrive while earlier rows are copied.
static inline void cairn_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
