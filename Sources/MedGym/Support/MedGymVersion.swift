/// The library's version, recorded in every episode header.
public enum MedGymVersion {
    public static let current = "0.3.0"
}
