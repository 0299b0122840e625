import CommandLineSupport
import ReplayCommands

// A PostgreSQL store is opened by `medgym replay …` (this binary does not link the PostgreSQL client,
// which would slow every start); anything else runs here.
ServerDelegation.runAsMedGymIfAServerStoreIsNamed()
ReplayCommand.main()
