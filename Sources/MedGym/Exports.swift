// The `MedGym` library is the core (`MedGymCore`: the simulated patient, the
// resolver, scoring; no file, bundle, process or network access) plus what
// touches the outside world: the shipped content read from the bundle, fixture
// files on disk, and the agents that run processes or call model endpoints.
// Importing `MedGym` brings in both.
@_exported import MedGymCore
