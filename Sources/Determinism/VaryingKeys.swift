extension JSONValue {
    /// The keys whose values are not the same in every one of `params`, sorted: the columns a
    /// plan, a listing or a comparison of these runs shows. One rule for all of them.
    ///
    ///     JSONValue.varyingKeys([["lr": 0.1, "seed": 0], ["lr": 0.1, "seed": 1]])   // ["seed"]
    public static func varyingKeys(_ params: [[String: JSONValue]]) -> [String] {
        guard let first = params.first else { return [] }
        var keys = Set<String>()
        for p in params { for k in p.keys { keys.insert(k) } }
        return keys.sorted().filter { k in
            let v = first[k]
            return params.contains { $0[k] != v }
        }
    }
}
