import Codecs
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import Tracker

@Suite struct ObjectStoreTests {
    @Test func putGetAndDedupe() throws {
        let t = try freshStore()
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
        let (hash, stored) = try t.objects.put(bytes)
        #expect(hash == sha256Hex([bytes]))
        #expect(stored > 0 && stored == t.objects.storedSize(hash))
        #expect(try t.objects.get(hash) == bytes)
        // The file is plain gzip of the bytes.
        #expect(try Gzip.decompress([UInt8](Data(contentsOf: URL(fileURLWithPath: t.objects.path(hash))))) == bytes)
        for _ in 0..<5 { try t.objects.put(bytes) }
        #expect(t.objects.all() == [hash])
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.objects.directory).allSatisfy { !$0.hasPrefix("tmp-") })
        let empty = try t.objects.put([])
        #expect(try t.objects.get(empty.hash) == [])
    }

    @Test func aFlippedByteIsDetectedAndNamed() throws {
        let t = try freshStore()
        let (hash, _) = try t.objects.put(Array(repeating: 7, count: 10_000) + Array(0..<200))
        try t.record(sweep: nil, runs: [planned(1)])
        try append(
            t, planned(1).hash, [.checkpoint(.init(object: hash, step: 1, epoch: 1, kinds: [.final], rawSize: 10_200, storedSize: 1))])
        try t.ingest(run: planned(1).hash)
        #expect(try t.verify().ok)
        let path = t.objects.path(hash)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count / 2] ^= 0x10
        try data.write(to: URL(fileURLWithPath: path))
        #expect { try t.objects.get(hash) } throws: { error in
            (error as? ObjectStore.ObjectError)?.object == hash && "\(error)".contains("corrupt")
        }
        let report = try t.verify()
        #expect(!report.ok)
        #expect(report.corrupt == [hash: [planned(1).hash]])
        try FileManager.default.removeItem(atPath: path)
        #expect(try t.verify().missing == [hash: [planned(1).hash]])
    }

    /// A sweep's stored definition is exactly what its hash covers: verify hashes it again.
    @Test func verifyChecksEverySweepDefinitionAgainstItsHash() throws {
        let t = try freshStore()
        let definition = #"{"method":"grid","numerics_version":2,"parameters":{"train.lr":{"values":[0.1,0.01]}}}"#
        let hash = sha256Hex([Array(definition.utf8)])
        try t.record(sweep: SweepRecord(hash: hash, source: "s.yaml", definition: definition, metric: nil, goal: nil), runs: [planned(1)])
        try t.record(
            sweep: SweepRecord(hash: "0ld", source: "old.yaml", definition: #"{"source":"old.yaml"}"#, metric: nil, goal: nil),
            runs: [planned(2)])
        var report = try t.verify()
        #expect(report.ok && report.sweepsChecked == 1 && report.uncheckableSweeps == ["0ld"])
        try t.db.write { db in
            try db.execute(sql: "UPDATE sweep SET definition = replace(definition, '0.01', '0.02') WHERE hash = ?", arguments: [hash])
        }
        report = try t.verify()
        #expect(!report.ok && report.alteredSweeps == [hash])
    }

    @Test func gcRemovesOnlyUnreferencedObjects() throws {
        let t = try freshStore()
        let kept = try t.objects.put(Array(repeating: 1, count: 100)).hash
        let orphan = try t.objects.put(Array(repeating: 2, count: 100)).hash
        try t.record(sweep: nil, runs: [planned(1)])
        try append(t, planned(1).hash, [.checkpoint(.init(object: kept, step: 1, epoch: 1, kinds: [.final], rawSize: 100, storedSize: 1))])
        try t.ingest(run: planned(1).hash)
        #expect(try t.verify().orphaned == [orphan])
        let dry = try t.gc(apply: false)
        #expect(dry.objects == [orphan] && t.objects.contains(orphan))
        #expect(try t.gc(apply: true).objects == [orphan])
        #expect(!t.objects.contains(orphan) && t.objects.contains(kept))
    }
}
