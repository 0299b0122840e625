/// Words a sentence may hold around the action it names. Anything else left
/// over (a word MedGym does not know, or one of another catalog action's
/// words) makes the sentence too uncertain to act on, and it is refused with
/// suggestions rather than guessed.
enum SentenceWords {
    /// Ordinary speech of an order or a question at the bedside: verbs of
    /// asking, ordering and examining, pronouns, determiners, prepositions,
    /// time words, and general clinical words that name no action.
    static let ordinary: Set<String> = Set(
        """
        i d id im ill ive lets let me my we us our you your he him his she her they them their it its this that these those
        who whom what when where which why how whether if then than also again just still already too very really
        a an the some any all both each every another other others one two three four first second third next last few
        is are was were be been being am has have had having do does did done doing can could would should will shall may might must
        like want wanted need needs needed going go ahead proceed proceeding continue keep lets please kindly ok okay sure yes right
        ask asking asked inquire enquire find out know learn question questions about regarding concerning around over
        take taking get getting obtain grab pull draw drawing send sending run running do perform performing complete
        order ordering give giving start starting begin commence initiate hang push run administer put place placing apply
        insert inserting set up arrange book request requesting prescribe dose doses dosing titrate bring move wheel
        check checking look looking see inspect inspecting observe listen listening feel
        assessment assess evaluate review reviewing go through compare comparing measure measuring
        recheck repeat repeating another follow serial trend
        call calling page paging consult consulting involve loop notify tell talk speak discuss explain update inform
        in on at to from by via through into onto with without of for off per after before during while until within
        now right away stat asap immediately urgently quickly rapidly fast slowly today tonight soon time minutes hours
        patient patients pt pts person man woman boy girl child kid gentleman lady he she
        bedside bed end side room ed er department team doctor doctors physician nurse service
        full formal quick brief focused complete thorough detailed overall proper general basic whole
        sample samples test tests testing study studies panel level levels value values result results
        amp amps bottle bag bags liter liters litre litres sips sip small large wide open rate rapid slow
        bilaterally bilateral both sides sets set pair
        s t don doesn isn
        started start starts starting doing happened happening time presenting brings bring brought today
        currently current taking takes taken known prior previous previously recent recently ever much many
        status confirm confirming ensure make sure any anything else
        sudden plain language simple words anxious worried scared condition situation
        receiving oncoming incoming night day evening morning fellow resident attending registrar consultant
        phone wife husband partner mother father mom dad son daughter sister brother
        drink take regularly use
        chewed chew chewable tablet tablets load loading bolus infusion drip push then
        tartrate succinate sulfate sulphate chloride hydrochloride
        gauge fossa antecubital peripheral
        try trying regular and or including care
        plus maybe perhaps probably definitely actually go went
        fevers weight loss bowel urinary changes point hospital hospitals center centre facility tertiary
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    /// Real medical words that are not catalog actions: never read as a typo
    /// of a catalog word ("vasopressin" is not "vasopressor", "hydralazine"
    /// is not a misspelling of anything MedGym has).
    static let otherTerms: Set<String> = Set(
        """
        vasopressin epinephrine adrenaline phenylephrine dopamine dobutamine milrinone hydralazine enalaprilat diltiazem
        verapamil amiodarone adenosine digoxin dexamethasone methylprednisolone hydrocortisone prednisone
        albuterol salbutamol ipratropium magnesium calcium tranexamic naloxone flumazenil haloperidol olanzapine
        ketamine propofol etomidate rocuronium succinylcholine vecuronium oxycodone hydromorphone tramadol
        ceftriaxone vancomycin piperacillin cefazolin azithromycin metronidazole antibiotics
        pantoprazole omeprazole famotidine metoclopramide prochlorperazine promethazine droperidol
        levetiracetam phenytoin fosphenytoin valproate glucagon octreotide thiamine
        bnp tsh ammonia ethanol salicylate procalcitonin crp esr troponins
        mri mra cardioversion defibrillate defibrillation pacing pacer radiology interventional embolization
        infection infections injection injections
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
}
