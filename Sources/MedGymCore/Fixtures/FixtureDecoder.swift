import Foundation

/// Decodes and validates archetype JSON held in memory, with errors that
/// name the file and the field.
public enum FixtureDecoder {
    /// Decodes and validates archetype JSON; `file` names it in errors. A
    /// course naming a shared course (`course.library`) without keyframes
    /// gets its keyframes from `courses`.
    public static func decode(
        _ data: Data, file: String, resolver: ActionResolver, courses: CourseLibrary = .empty
    ) throws(FixtureError) -> Fixture {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var fixture: Fixture
        do {
            // The tree decoder when it takes the file; JSONDecoder (the reference, and every error) otherwise.
            fixture = try CanonicalJSON.treeDecode(Fixture.self, from: data, keys: .fromSnakeCase) ?? decoder.decode(Fixture.self, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, let number = outOfRangeNumber(in: data) {
                throw FixtureError(
                    file: file, field: number.field,
                    problem: "\(number.text) does not fit a whole number (at most \(Int.max)); use a smaller value")
            }
            throw describe(error, file: file)
        } catch {
            throw FixtureError(file: file, field: "", problem: "\(error)")
        }
        if let reference = fixture.course.library {
            guard let shared = courses[reference.name] else {
                let known = courses.courses.map(\.course)
                throw FixtureError(
                    file: file, field: "course.library.name",
                    problem: "'\(reference.name)' is not a shared course; "
                        + (known.isEmpty ? "no shared courses are loaded" : "use one of \(known.joined(separator: ", "))"))
            }
            if fixture.course.keyframes.isEmpty {
                fixture.course.keyframes = shared.keyframes(from: reference.baseline, scale: reference.scale ?? 1)
            }
        }
        try FixtureValidator(resolver: resolver, file: file).validate(fixture)
        return fixture
    }

    /// Checks a fixture made in memory (a scenario's) as a file's would be checked; `file` names it in errors.
    public static func validate(_ fixture: Fixture, file: String, resolver: ActionResolver) throws(FixtureError) {
        try FixtureValidator(resolver: resolver, file: file).validate(fixture)
    }

    /// A whole number too large for `Int`, which Foundation's decoder reports
    /// only as "not valid JSON": found by parsing the file loosely.
    static func outOfRangeNumber(in data: Data) -> (field: String, text: String)? {
        guard let root = try? JSONSerialization.jsonObject(with: data) else { return nil }
        func search(_ value: Any, _ path: String) -> (String, String)? {
            switch value {
            case let object as [String: Any]:
                for key in object.keys.sorted() {
                    if let hit = search(object[key]!, path.isEmpty ? key : "\(path).\(key)") { return hit }
                }
            case let array as [Any]:
                for (index, element) in array.enumerated() {
                    if let hit = search(element, "\(path)[\(index)]") { return hit }
                }
            case let number as NSNumber:
                let double = number.doubleValue
                if double.rounded() == double && abs(double) >= 9.2e18 { return (path, number.stringValue) }
            default:
                break
            }
            return nil
        }
        return search(root, "")
    }

    /// Turns a DecodingError into file + dotted snake_case field + problem.
    public static func describe(_ error: DecodingError, file: String) -> FixtureError {
        func path(_ keys: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            var text = ""
            for key in keys + (last.map { [$0] } ?? []) {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + snakeCase(key.stringValue)
                }
            }
            return text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return FixtureError(file: file, field: path(context.codingPath, key), problem: "is missing")
        case .typeMismatch(let type, let context):
            return FixtureError(file: file, field: path(context.codingPath), problem: "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return FixtureError(file: file, field: path(context.codingPath), problem: "is null, expected \(typeName(type))")
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
            let where_ = path(context.codingPath)
            if where_.isEmpty { return FixtureError(file: file, field: "", problem: "is not valid JSON\(underlying)") }
            return FixtureError(file: file, field: where_, problem: context.debugDescription)
        @unknown default:
            return FixtureError(file: file, field: "", problem: "\(error)")
        }
    }

    static func snakeCase(_ camel: String) -> String {
        var out = ""
        for ch in camel {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)".contains("Array") ? "a list" : "an object"
        }
    }
}
