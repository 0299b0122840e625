/// The library's version, recorded in every episode header.
public enum MedGymVersion {
    public static let current = "0.6.0"

    /// The patient model's version, recorded in every trace's
    /// `episode_started`. Traces from another simulation version cannot be
    /// re-executed (their patient behaved differently): their chain can still
    /// be checked, but forks and scores need the MedGym that recorded them.
    /// 3 (0.5.0): observations no longer name the fixture.
    /// 4 (0.6.0): a patient simulated, not scripted: chemistry read at the
    /// draw, one safety rule from the catalog's indications and dangers,
    /// pace from the physiology reached, IV access, the hospital's rules.
    public static let simulation = 4

    /// The library release that ran each older simulation version.
    public static func release(ofSimulation version: Int) -> String {
        switch version {
        case 1: "0.3.0"
        case 2: "0.4.0"
        case 3: "0.5.0"
        default: current
        }
    }
}
