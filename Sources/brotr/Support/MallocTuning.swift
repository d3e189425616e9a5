#if canImport(Glibc)
import Glibc

/// glibc's allocator set for a small machine, before anything allocates much.
///
/// By default glibc gives threads up to eight arenas per core and raises its mmap and trim
/// thresholds as large buffers come and go, so memory freed by one batch stays in the
/// process for the next. brotr allocates in bursts (a batch of events parsed, encoded,
/// written, freed) on a few threads: two arenas and fixed 128 KiB thresholds keep its
/// resident memory near what it uses, at no measurable cost in CPU. A `MALLOC_*`
/// variable in the environment wins over each setting.
enum MallocTuning {
    static func apply() {
        // mallopt is in <malloc.h>, which the Glibc module does not import.
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        let settings: [(variable: String, option: Int32, value: Int32)] = [
            ("MALLOC_ARENA_MAX", -8, 2),  // M_ARENA_MAX
            ("MALLOC_TRIM_THRESHOLD_", -1, 128 << 10),  // M_TRIM_THRESHOLD
            ("MALLOC_MMAP_THRESHOLD_", -3, 128 << 10),  // M_MMAP_THRESHOLD
        ]
        for setting in settings where getenv(setting.variable) == nil {
            _ = mallopt(setting.option, setting.value)
        }
    }
}
#else
enum MallocTuning {
    static func apply() {}
}
#endif
