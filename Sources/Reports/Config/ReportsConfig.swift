public import InfermonCore
public import InfermonYAML

/// One scheduled report of the `reports:` section.
///
/// ```yaml
/// reports:
///   - name: weekly-chat
///     every: week              # day or week; the report covers the period just ended
///     at: "08:00"              # UTC time of day it is made
///     weekday: monday          # for every: week
///     model: chat              # optional: only this model
///     format: html             # html or markdown
///     directory: /var/lib/infermon/reports   # write <name>-<end>.<html|md> here, and/or
///     receiver: team-reports   # send it to this receiver's webhooks through the notification outbox
/// ```
public struct ReportSchedule: Sendable, Equatable {
    public enum Every: String, Sendable, CaseIterable {
        case day, week

        public var millis: Int64 { self == .day ? 86_400_000 : 7 * 86_400_000 }
    }

    public static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    public var name: String
    public var every: Every
    /// Milliseconds after midnight UTC.
    public var timeOfDay: Int64
    /// 0 for Monday … 6 for Sunday; used by weekly reports.
    public var weekday: Int
    public var model: String?
    public var format: ReportFormat
    public var directory: String?
    public var receiver: String?

    public init(
        name: String, every: Every, timeOfDay: Int64 = 8 * 3_600_000, weekday: Int = 0, model: String? = nil,
        format: ReportFormat = .html, directory: String? = nil, receiver: String? = nil
    ) {
        self.name = name
        self.every = every
        self.timeOfDay = timeOfDay
        self.weekday = weekday
        self.model = model
        self.format = format
        self.directory = directory
        self.receiver = receiver
    }

    public static let keys: Set<String> = [
        "name", "every", "at", "weekday", "model", "format", "directory", "receiver",
    ]

    public init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: Self.keys)
        let name = try map.required("name").string()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw value.error("a report's name may hold letters, digits, - and _ only (it names its files)")
        }
        self.init(name: name, every: try map.required("every").oneOf(Every.self))
        if let at = map["at"] {
            let text = try at.string()
            let parts = text.split(separator: ":")
            guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour),
                (0..<60).contains(minute)
            else { throw at.error("at: expects a UTC time of day such as \"08:00\"") }
            timeOfDay = Int64(hour * 60 + minute) * 60_000
        }
        if let weekday = map["weekday"] {
            guard every == .week else { throw weekday.error("weekday: is for reports made every week") }
            self.weekday = Self.weekdays.firstIndex(of: try weekday.oneOf(Self.weekdays))!
        }
        if let model = map["model"] { self.model = try model.string() }
        if let format = map["format"] { self.format = try format.oneOf(ReportFormat.self) }
        if let directory = map["directory"] { self.directory = try directory.filePath() }
        if let receiver = map["receiver"] { self.receiver = try receiver.string() }
        guard directory != nil || receiver != nil else {
            throw value.error("report \"\(name)\" goes nowhere: give it a directory:, a receiver: or both")
        }
    }

    /// The first time this report is due strictly after `time`.
    public func nextRun(after time: Timestamp) -> Timestamp {
        let day: Int64 = 86_400_000
        var candidate = floorDivide(time, day) * day + timeOfDay
        while candidate <= time || !isScheduledDay(candidate) { candidate += day }
        return candidate
    }

    func isScheduledDay(_ time: Timestamp) -> Bool {
        guard every == .week else { return true }
        // 1970-01-01 was a Thursday (index 3 from Monday).
        let days = floorDivide(time, 86_400_000)
        return Int((days + 3) % 7) == weekday
    }
}

/// The `reports:` section: reports the daemon makes on a schedule.
public struct ReportsConfig: Sendable, Equatable {
    public var schedules: [ReportSchedule] = []

    public init(schedules: [ReportSchedule] = []) { self.schedules = schedules }

    public init(yaml value: YAMLValue) throws {
        var names: Set<String> = []
        for item in try value.sequence() {
            let schedule = try ReportSchedule(yaml: item)
            guard names.insert(schedule.name).inserted else {
                throw item.error("two reports are named \"\(schedule.name)\"; give them distinct names")
            }
            schedules.append(schedule)
        }
    }

    /// Receivers the reports send to, for the check that `notifications:` has them.
    public var receivers: Set<String> { Set(schedules.compactMap(\.receiver)) }
}
