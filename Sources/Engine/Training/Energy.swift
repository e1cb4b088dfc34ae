import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The energy a run's process uses: machine metrics, never compared by `reproduce`.
///
/// Measured where the kernel's RAPL counters are readable (`/sys/class/powercap/intel-rapl:N/
/// energy_uj` of each package domain, in µJ, wrapping at `max_energy_range_uj`): the
/// packages' energy between two samples, attributed to the run by its share of the machine's
/// busy CPU time over the same interval (`/proc/stat`). Otherwise estimated: the process's
/// CPU seconds × a per-core power (`CAIRN_CPU_WATTS`, default 10 W per busy core), and the
/// metric's name says so (`energy_joules_estimate`). CO₂e = energy × `CAIRN_CARBON_INTENSITY`
/// gCO₂e/kWh (default 475, the world average CodeCarbon uses), recorded with the run
/// (`carbon_intensity`).
public struct EnergyMeter {
    public struct Counter: Equatable {
        public let path: String
        public let maxRange: UInt64
    }

    public let counters: [Counter]
    public let cpuWatts: Double
    public let carbonIntensity: Double
    let procStat: String
    private var last: (energy: [UInt64], machineBusy: Double, process: Double)?
    /// Joules so far (measured or estimated) and whether they were measured.
    public private(set) var joules = 0.0
    public var measured: Bool { !counters.isEmpty }

    public init(
        powercap: String = "/sys/class/powercap", procStat: String = "/proc/stat",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.procStat = procStat
        cpuWatts = environment["CAIRN_CPU_WATTS"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 10
        carbonIntensity = environment["CAIRN_CARBON_INTENSITY"].flatMap(Double.init).flatMap { $0 >= 0 ? $0 : nil } ?? 475
        var found: [Counter] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: powercap)) ?? []
        for n in names.sorted() where n.hasPrefix("intel-rapl:") && n.split(separator: ":").count == 2 {  // packages, not subdomains
            let dir = "\(powercap)/\(n)"
            guard EnergyMeter.read("\(dir)/energy_uj") != nil, let range = EnergyMeter.read("\(dir)/max_energy_range_uj") else { continue }
            found.append(Counter(path: "\(dir)/energy_uj", maxRange: range))
        }
        // Attribution needs the machine's CPU time too.
        counters = EnergyMeter.machineBusySeconds(procStat) == nil ? [] : found
    }

    static func read(_ path: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Busy CPU seconds of the whole machine: `/proc/stat`'s first line, all but idle and iowait.
    static func machineBusySeconds(_ path: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let line = text.split(separator: "\n").first,
            line.hasPrefix("cpu ")
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 5 else { return nil }
        let busy = fields.enumerated().filter { $0.offset != 3 && $0.offset != 4 }.map(\.element).reduce(0, +)
        return busy / 100  // USER_HZ
    }

    /// The energy between two readings of one counter, across at most one wrap.
    public static func delta(_ before: UInt64, _ now: UInt64, maxRange: UInt64) -> UInt64 {
        now >= before ? now - before : maxRange - before + now
    }

    /// Adds the energy since the last sample; `processCPUSeconds` is the process's CPU time so far.
    public mutating func sample(processCPUSeconds: Double) {
        guard measured else {
            joules = processCPUSeconds * cpuWatts
            return
        }
        let energy = counters.map { EnergyMeter.read($0.path) ?? 0 }
        let busy = EnergyMeter.machineBusySeconds(procStat) ?? 0
        if let last {
            let microjoules = zip(counters, zip(last.energy, energy)).reduce(0.0) {
                $0 + Double(EnergyMeter.delta($1.1.0, $1.1.1, maxRange: $1.0.maxRange))
            }
            let share = busy > last.machineBusy ? min(1, max(0, (processCPUSeconds - last.process) / (busy - last.machineBusy))) : 1
            joules += microjoules / 1e6 * share
        }
        last = (energy, busy, processCPUSeconds)
    }

    /// Grams of CO₂e for the joules so far.
    public var co2eGrams: Double { joules / 3.6e6 * carbonIntensity }

    /// The process's user and system CPU seconds so far.
    public static func processCPU() -> (user: Double, system: Double) {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return (s(usage.ru_utime), s(usage.ru_stime))
    }
}
