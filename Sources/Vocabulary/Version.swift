/// Cairn's own version facts, recorded in every run's provenance.
public enum CairnVersion {
    public static let version = "0.1.0"
    #if swift(>=6.3)
        public static let swift = "6.3"
    #elseif swift(>=6.2)
        public static let swift = "6.2"
    #else
        public static let swift = "6"
    #endif
}
