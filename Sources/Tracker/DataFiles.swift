import Codecs
import Foundation

/// The files a file-based data set is made of, as a store keeps them: `data/<dataset>.json`
/// names each file's role, content hash, size and the path it was last read from, and
/// whether its content is kept as an object (`objects/…`, content-addressed: a file used
/// by a thousand runs is stored once). The data set's hash (in every run hash) is over the
/// files' hashes, never their paths; this manifest is what lets a run, or its reproduction,
/// find the bytes again after the file moved, changed or was deleted.
package struct DataManifest: Codable, Sendable, Equatable {
    package struct File: Codable, Sendable, Equatable {
        package var role: String
        package var sha256: String
        package var bytes: Int
        package var path: String
        package var stored: Bool

        package init(role: String, sha256: String, bytes: Int, path: String, stored: Bool) {
            self.role = role
            self.sha256 = sha256
            self.bytes = bytes
            self.path = path
            self.stored = stored
        }
    }
    package var dataset: String
    package var files: [File]

    package init(dataset: String, files: [File]) {
        self.dataset = dataset
        self.files = files
    }

    /// Where a run reads each file from, and why.
    package struct Resolved: Sendable {
        package var paths: [String: String] = [:]
        /// One line per file: the original, or the stored copy and why.
        package var notes: [String] = []
        /// Temporary files holding stored copies; the caller removes them when done.
        package var temporary: [String] = []
        package var usedStoredCopy: Bool { !temporary.isEmpty }
    }

    /// Each file from its original path when that still holds the same content, else from the
    /// stored copy (written to a temporary file in `scratch`). Throws when neither is there.
    package func resolve(objects: ObjectStore, scratch: String) throws -> Resolved {
        var r = Resolved()
        for f in files.sorted(by: { $0.role < $1.role }) {
            let name = (f.path as NSString).lastPathComponent
            var why = "the original \(f.path) is gone"
            if FileManager.default.fileExists(atPath: f.path) {
                if let now = try? DataBytes(path: f.path).sha256(), now == f.sha256 {
                    r.paths[f.role] = f.path
                    r.notes.append("data \(f.role): \(name), the original (\(f.path))")
                    continue
                }
                why = "the original \(f.path) has changed"
            }
            guard objects.contains(f.sha256) else {
                throw DatasetError(
                    "data \(f.role): \(why), and the store keeps no copy of it (SHA-256 \(f.sha256.prefix(12))\(f.stored ? "" : "; store_copy was false")): put the file back to run this"
                )
            }
            let bytes = try objects.get(f.sha256)
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let tmp = "\(scratch)/\(f.sha256.prefix(16))-\(UUID().uuidString.prefix(8))-\(name)"
            try writeAtomically(bytes, to: tmp)
            r.paths[f.role] = tmp
            r.temporary.append(tmp)
            r.notes.append("data \(f.role): \(name), the stored copy \(f.sha256.prefix(12)) (\(why))")
        }
        return r
    }
}

extension StoreLayout {
    package func dataManifest(_ dataset: String) -> String { "\(directory)/data/\(dataset).json" }

    package func readDataManifest(_ dataset: String) throws -> DataManifest? {
        guard let data = FileManager.default.contents(atPath: dataManifest(dataset)) else { return nil }
        do { return try JSONDecoder().decode(DataManifest.self, from: data) } catch {
            throw Tracker.StoreError("\(dataManifest(dataset)): not a data manifest: \(error)")
        }
    }
}

extension Tracker {
    /// Records a file data set: its manifest, and — with `copy` — each file's content as an
    /// object unless the store has it already. A file whose content no longer matches the
    /// hash it was planned with is refused (it changed since planning).
    package func recordData(_ manifest: DataManifest, copy: Bool) throws {
        var m = manifest
        let old = try layout.readDataManifest(manifest.dataset)
        for i in m.files.indices {
            let f = m.files[i]
            if copy && !objects.contains(f.sha256) {
                let content = try DataBytes(path: f.path)
                let bytes = content.array
                let had = objects.contains(sha256Hex([bytes]))
                let (hash, _) = try objects.put(bytes)
                guard hash == f.sha256 else {
                    if !had { try? objects.remove(hash) }  // an object another data set has stays
                    throw DatasetError(
                        "\(f.path): changed while it was being planned (SHA-256 \(hash.prefix(12)), planned \(f.sha256.prefix(12)))")
                }
            }
            m.files[i].stored = objects.contains(f.sha256)
        }
        guard m != old else { return }
        try FileManager.default.createDirectory(atPath: "\(layout.directory)/data", withIntermediateDirectories: true)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try writeAtomically(Array(try e.encode(m)), to: layout.dataManifest(m.dataset))
    }

    /// The data objects every manifest names (kept by `gc`). A manifest that cannot be read
    /// is an error, not an empty list: gc must never drop the only copy of a data file.
    package func dataObjects() throws -> Set<String> {
        let dir = "\(layout.directory)/data"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        var out: Set<String> = []
        for n in names where n.hasSuffix(".json") {
            guard let m = try layout.readDataManifest(String(n.dropLast(5))) else { continue }
            for f in m.files { out.insert(f.sha256) }
        }
        return out
    }
}
