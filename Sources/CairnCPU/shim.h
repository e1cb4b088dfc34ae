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
