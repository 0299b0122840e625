import json
A=[]
def a(id,kind,name,syn,time,cost,tat=None,normal=None,effects=None,contra=None,repeatable=False):
    d={"id":id,"kind":kind,"name":name,"synonyms":syn,"time_min":time,"cost":cost}
    if tat is not None: d["turnaround_min"]=tat
    if normal is not None: d["normal_result"]=normal
    if effects: d["effects"]=effects
    if contra: d["contraindications"]=contra
    if repeatable: d["repeatable"]=True
    A.append(d)
# interview topics
I=[("interview_hpi","history of present illness",["hpi","history of present illness","ask about the pain","describe the pain","onset of pain","take a history","history","ask about symptoms","chief complaint"],"I just feel unwell."),
("interview_pain_character","pain character and radiation",["pain character","character of pain","where does the pain go","radiation of pain","describe pain quality","opqrst"],"It's hard to describe."),
("interview_substance_use","substance use history",["substance use","drug use","ask about drugs","recreational drugs","cocaine use","alcohol and drugs","social history","ask about cocaine","tox history"],"I don't use drugs."),
("interview_pmh","past medical history",["pmh","past medical history","medical history","prior illnesses"],"Nothing significant."),
("interview_medications","current medications",["medications","home medications","current meds","med list","what medicines do you take"],"No regular medicines."),
("interview_allergies","allergies",["allergies","drug allergies","any allergies"],"No known drug allergies."),
("interview_family_history","family history",["family history","fh","family medical history"],"Nothing that I know of."),
("interview_ros","review of systems",["ros","review of systems","systems review"],"Nothing else."),
("interview_last_meal","last oral intake",["last meal","last oral intake","npo status","when did you last eat"],"A few hours ago."),
]
for id,name,syn,default in I:
    a(id,"interview",name,syn,2,0,normal=default)
E=[("exam_general","general appearance",["general exam","general appearance","look at the patient","inspection"]),
("exam_cardiovascular","cardiovascular exam",["cardiac exam","heart exam","cardiovascular exam","auscultate heart","listen to heart","cv exam"]),
("exam_pulses_bilateral_bp","pulses and bilateral arm blood pressures",["bilateral blood pressure","bilateral bp","bp both arms","blood pressure in both arms","check pulses","pulse exam","pulse deficit","peripheral pulses","four limb pulses"]),
("exam_lungs","respiratory exam",["lung exam","chest exam","auscultate lungs","listen to lungs","respiratory exam"]),
("exam_abdomen","abdominal exam",["abdominal exam","abdomen exam","palpate abdomen","belly exam"]),
("exam_neuro","neurological exam",["neuro exam","neurologic exam","neurological exam","neuro check","neuro checks","mental status"]),
("exam_skin","skin and hydration exam",["skin exam","hydration status","assess hydration","hydration assessment","dehydration assessment","assess dehydration","capillary refill","mucous membranes","skin turgor"]),
("exam_back_flank","back and flank exam",["back exam","flank exam","costovertebral angle tenderness","cva tenderness"]),
]
for id,name,syn in E:
    a(id,"exam",name,syn,3,0,normal="Unremarkable.",repeatable=(id=="exam_neuro"))
L=[("ecg","12-lead ECG","ecg",["ekg","12 lead ecg","12-lead ecg","electrocardiogram","12 lead","12 lead ekg","repeat ecg","repeat ekg"],4,150,5,"Normal sinus rhythm, no acute ST changes."),
("troponin","high-sensitivity troponin","lab",["trop","hs troponin","high sensitivity troponin","troponin i","troponin t","cardiac enzymes","repeat troponin"],1,150,45,"hs-troponin below the 99th percentile."),
("cbc","complete blood count","lab",["full blood count","fbc","blood count","hemoglobin","hb"],1,60,30,"WBC 8.1, Hb 14.2 g/dL, platelets 250."),
("bmp","basic metabolic panel","lab",["bmp","chem 7","chem7","electrolytes","lytes","basic metabolic panel","renal function","creatinine","potassium level","cmp","comprehensive metabolic panel","u and e"],1,90,40,"Na 139, K 4.1, Cl 103, HCO3 24, BUN 14, creatinine 0.9, glucose 102."),
("vbg","venous blood gas","lab",["vbg","blood gas","abg","arterial blood gas","venous gas","ph"],1,120,10,"pH 7.39, pCO2 41, HCO3 24, lactate 1.1."),
("lactate","lactate","lab",["lactic acid","serum lactate"],1,80,30,"Lactate 1.2 mmol/L."),
("poc_glucose","point-of-care glucose","lab",["fingerstick glucose","bedside glucose","glucose","blood sugar","poc glucose","cbg","accucheck","fingerstick"],1,20,2,"Glucose 104 mg/dL."),
("poc_ketones","point-of-care ketones","lab",["ketones","beta hydroxybutyrate","bhb","serum ketones","blood ketones","urine ketones"],1,30,5,"beta-hydroxybutyrate 0.2 mmol/L."),
("coags","coagulation panel","lab",["pt inr","inr","ptt","coagulation studies","coags","pt/inr","fibrinogen"],1,80,40,"INR 1.0, PTT 29 s, fibrinogen 310 mg/dL."),
("type_and_cross","type and crossmatch","lab",["type and screen","type and cross","crossmatch","group and save","blood bank sample","t&c","t and c"],1,200,45,"Type O positive; antibody screen negative; units crossmatched."),
("d_dimer","D-dimer","lab",["ddimer","d dimer"],1,90,45,"D-dimer 0.3 µg/mL FEU (normal)."),
("lipase","lipase","lab",["serum lipase","amylase"],1,60,45,"Lipase 30 U/L (normal)."),
("urinalysis","urinalysis","lab",["ua","urine dip","urine dipstick","urine analysis","u/a"],1,40,30,"Urinalysis: no blood, no protein, no glucose, no ketones."),
("urine_drug_screen","urine drug screen","lab",["uds","tox screen","urine tox","drug screen","toxicology screen"],1,60,45,"Urine drug screen negative."),
("hcg","pregnancy test","lab",["urine hcg","beta hcg","pregnancy test","serum hcg"],1,30,5,"hCG negative."),
("blood_cultures","blood cultures","lab",["blood culture","cultures"],1,100,1440,"No growth to date."),
("chest_xray","chest X-ray","imaging",["cxr","chest x ray","chest radiograph","portable chest x ray","chest film","portable cxr"],2,300,30,"Clear lungs, normal mediastinal width, no effusion."),
("cta_chest","CT angiography of the chest/aorta","imaging",["cta chest","ct angiogram chest","ct angio chest","cta aorta","ct aortogram","ct angio thorax","cta thorax","ct angiography chest","dissection protocol ct","ct dissection protocol","cta chest abdomen pelvis","cta chest abd pelvis","ct chest with contrast","ct pe protocol"],2,3000,45,"No aortic dissection, no pulmonary embolism."),
("ct_abdomen_pelvis","CT abdomen/pelvis with IV contrast","imaging",["ct abdomen","ct abd pelvis","ct abdomen pelvis","ct a/p","cat scan abdomen","ct belly"],2,3000,60,"No acute intra-abdominal abnormality."),
("ct_stone_protocol","non-contrast CT for renal stone","imaging",["ct kub","stone protocol","ct stone","renal stone ct","non contrast ct abdomen","ct renal colic"],2,2000,45,"No urolithiasis, no hydronephrosis."),
("ct_head","non-contrast CT head","imaging",["head ct","ct brain","noncontrast head ct","ct head without contrast"],2,2000,30,"No acute intracranial abnormality."),
("pocus_aorta","bedside ultrasound of the abdominal aorta","imaging",["pocus aorta","bedside aorta ultrasound","aortic ultrasound","bedside ultrasound aorta","ultrasound aorta","aaa ultrasound","pocus","fast exam","bedside ultrasound","bedside us aorta"],5,400,0,"Abdominal aorta of normal calibre (1.8 cm)."),
("bedside_echo","bedside echocardiogram","imaging",["pocus heart","cardiac ultrasound","bedside echo","echo","echocardiogram","cardiac pocus","tte","transthoracic echo"],5,500,0,"Normal LV function, no pericardial effusion, aortic root normal."),
("renal_ultrasound","formal renal ultrasound","imaging",["renal us","kidney ultrasound","renal ultrasound"],2,800,60,"Normal kidneys, no hydronephrosis."),
]
for id,name,kind,syn,time,cost,tat,normal in L:
    a(id,kind,name,syn,time,cost,tat=tat,normal=normal,repeatable=True)
M=[("aspirin","aspirin 324 mg PO",["asa","aspirin","chewable aspirin","aspirin 325"],5,{},None),
("heparin","unfractionated heparin IV bolus and infusion",["heparin","ufh","heparin drip","heparin infusion","anticoagulate","anticoagulation","enoxaparin","lovenox"],40,{},None),
("alteplase","alteplase (thrombolysis)",["tpa","alteplase","thrombolytics","thrombolysis","fibrinolysis","tenecteplase","tnk","lytics"],6000,{},[{"vital":"sbp","above":185,"reason":"blood pressure above 185/110 contraindicates thrombolysis"}]),
("nitroglycerin","nitroglycerin",["ntg","nitro","nitroglycerin","sublingual nitro","gtn","nitro drip"],20,{"sbp":-12,"pain":-1},[{"vital":"sbp","below":90,"reason":"hypotension"}]),
("esmolol","esmolol IV",["esmolol","esmolol infusion","esmolol drip","beta blocker","iv beta blocker","beta blockade"],150,{"hr":-25,"sbp":-25,"dbp":-8},[{"vital":"hr","below":55,"reason":"bradycardia"},{"vital":"sbp","below":95,"reason":"hypotension"}]),
("labetalol","labetalol IV",["labetalol","labetalol iv"],60,{"hr":-18,"sbp":-28,"dbp":-10},[{"vital":"hr","below":55,"reason":"bradycardia"},{"vital":"sbp","below":95,"reason":"hypotension"}]),
("metoprolol","metoprolol IV",["metoprolol","lopressor"],30,{"hr":-15,"sbp":-12},[{"vital":"hr","below":55,"reason":"bradycardia"},{"vital":"sbp","below":95,"reason":"hypotension"}]),
("nicardipine","nicardipine infusion",["nicardipine","cardene","clevidipine","vasodilator","nitroprusside"],200,{"sbp":-25,"dbp":-12,"hr":8},[{"vital":"sbp","below":100,"reason":"hypotension"}]),
("lorazepam","lorazepam IV (benzodiazepine)",["lorazepam","ativan","benzodiazepine","benzo","diazepam","midazolam","valium"],20,{"hr":-8,"sbp":-8},[{"vital":"rr","below":10,"reason":"respiratory depression"}]),
("fentanyl","fentanyl IV",["fentanyl","iv opioid","opioid analgesia","opioid"],20,{"pain":-4,"hr":-4},[{"vital":"sbp","below":85,"reason":"hypotension"}]),
("morphine","morphine IV",["morphine","morphine sulfate","mso4"],15,{"pain":-4,"sbp":-5},[{"vital":"sbp","below":90,"reason":"hypotension"}]),
("ketorolac","ketorolac IV (NSAID)",["ketorolac","toradol","nsaid","ibuprofen","diclofenac"],15,{"pain":-3},None),
("ondansetron","ondansetron",["zofran","ondansetron","antiemetic"],15,{},None),
("acetaminophen","acetaminophen",["paracetamol","tylenol","acetaminophen"],10,{"pain":-1},None),
("oxygen","supplemental oxygen",["o2","oxygen","nasal cannula","non rebreather","nrb","supplemental o2"],20,{"spo2":3},None),
("ns_bolus","0.9% saline bolus",["normal saline bolus","ns bolus","saline bolus","fluid bolus","iv fluids","crystalloid","bolus","0.9% saline","lactated ringers","lr bolus","fluids","20 ml/kg bolus","10 ml/kg bolus","isotonic bolus","1 liter ns"],50,{"sbp":6,"hr":-3},None),
("oral_rehydration","oral rehydration trial",["po challenge","oral fluids","oral rehydration","po trial","oral challenge","ors"],5,{},None),
("hypotonic_fluids","hypotonic IV fluid bolus",["half normal saline bolus","0.45% saline bolus","d5w bolus","hypotonic fluids","rapid hypotonic fluids"],40,{},None),
("prbc","packed red blood cells",["prbc","blood transfusion","transfuse","packed cells","o negative blood","emergency release blood","uncrossmatched blood"],800,{"sbp":8,"hr":-4},None),
("massive_transfusion","massive transfusion protocol",["mtp","massive transfusion","activate mtp","massive transfusion protocol"],3000,{"sbp":12,"hr":-6},None),
("norepinephrine","norepinephrine infusion",["levophed","norepinephrine","noradrenaline","pressors","vasopressor"],150,{"sbp":20,"dbp":10},None),
("insulin_infusion","insulin infusion 0.1 U/kg/h",["insulin drip","insulin infusion","iv insulin infusion","regular insulin infusion","insulin 0.1 u/kg/h","insulin 0.05 u/kg/h","start insulin"],120,{},[{"lab":"potassium","below":3.5,"reason":"insulin with potassium below 3.5 mmol/L risks dangerous hypokalaemia"}]),
("insulin_bolus","insulin IV bolus",["insulin bolus","bolus insulin","iv insulin push","insulin push","stat insulin"],20,{},[{"lab":"potassium","below":3.5,"reason":"insulin with potassium below 3.5 mmol/L risks dangerous hypokalaemia"}]),
("potassium_replacement","IV potassium replacement",["potassium","kcl","potassium chloride","iv potassium","replace potassium","add potassium to fluids","k replacement"],40,{},None),
("sodium_bicarbonate","sodium bicarbonate IV",["bicarb","bicarbonate","sodium bicarbonate","nahco3","bicarb push"],40,{},None),
("mannitol","mannitol IV",["mannitol","osmotherapy"],60,{},None),
("hypertonic_saline","3% hypertonic saline",["3% saline","hypertonic saline","3 percent saline"],60,{},None),
("dextrose","IV dextrose",["d50","dextrose","d10","glucose iv","add dextrose"],20,{},None),
("tamsulosin","tamsulosin",["flomax","tamsulosin","alpha blocker"],10,{},None),
]
for id,name,syn,cost,eff,contra in M:
    a(id,"medication",name,syn,2,cost,effects=eff or None,contra=contra,repeatable=True)
P=[("iv_access","IV access",["iv access","iv line","peripheral iv","cannula","large bore iv","two large bore ivs","2 large bore iv","iv","venous access","iv x2"],2,30,True),
("cardiac_monitor","cardiac monitoring",["monitor","telemetry","cardiac monitor","continuous monitoring","put on monitor","attach monitor"],1,50,False),
("foley","urinary catheter",["foley","urinary catheter","catheter","strict ins and outs","urine output monitoring"],3,60,False),
("intubation","endotracheal intubation",["intubate","rsi","intubation","secure airway","endotracheal intubation"],10,1500,False),
("wait","observe and reassess",["wait","observe","reassess","re-evaluate","recheck vitals","watch and wait","repeat vitals","serial exams"],15,0,True),
]
for id,name,syn,time,cost,rep in P:
    a(id,"procedure",name,syn,time,cost,repeatable=rep)
C=[("consult_cardiothoracic_surgery","cardiothoracic surgery consult",["ct surgery","cardiothoracic surgery","cardiac surgery","call cardiothoracic surgery","cardiac surgeon","cts consult","consult ct surgery","call ct surgery"]),
("consult_vascular_surgery","vascular surgery consult",["vascular surgery","vascular surgeon","call vascular","vascular consult","consult vascular surgery"]),
("consult_cardiology","cardiology consult",["cardiology","cardiologist","call cardiology","cards consult","interventional cardiology"]),
("consult_urology","urology consult",["urology","urologist","call urology"]),
("consult_picu","pediatric intensive care consult",["picu","pediatric icu","picu consult","pediatric critical care","call picu"]),
("consult_endocrinology","endocrinology consult",["endocrinology","endocrine","pediatric endocrinology","diabetes team"]),
("consult_general_surgery","general surgery consult",["general surgery","surgery consult","surgeon","call surgery"]),
]
for id,name,syn in C:
    a(id,"consult",name,syn,5,250,normal="Consultant acknowledges and will see the patient.")
K=[("explain_diagnosis","explain findings and plan",["explain","explain diagnosis","explain plan","discuss findings","inform patient","talk to patient","explain the plan","discuss diagnosis","breaking news"],3),
("reassure","reassure the patient",["reassure","reassurance","reassure patient","calm the patient","reassure no imaging","reassure, no imaging"],2),
("obtain_consent","obtain informed consent",["consent","informed consent","obtain consent","get consent","consent for surgery"],4),
("update_family","update the family",["update family","talk to family","family meeting","inform parents","update parents","talk to parents","call family"],3),
("shared_decision","shared decision-making",["shared decision making","discuss options","discuss risks and benefits"],4),
]
for id,name,syn,time in K:
    a(id,"communication",name,syn,time,0,repeatable=True)
D=[("document_note","document the ED note",["document","write note","documentation","chart","ed note","document findings","document note","write ed note"],4),
("document_reassessment","document reassessment and times",["document reassessment","document times","reassessment note","document vitals trend","flowsheet"],2),
("handoff_sbar","structured handoff (SBAR)",["sbar","handoff","hand off","handover","i-pass","ipass","structured handoff"],3),
]
for id,name,syn,time in D:
    a(id,"documentation",name,syn,time,0,repeatable=True)
X=[("discharge_home","discharge home",["discharge","send home","discharge home","discharge with follow up","dc home"]),
("admit_observation","admit to observation (chest-pain unit)",["observation","obs unit","chest pain observation","admit to observation","chest pain obs","admit chest_pain_obs","chest_pain_obs","admit chest pain obs","cdu","observation unit"]),
("admit_ward","admit to ward",["admit","admit to medicine","admit to floor","ward","general ward","admit to ward","admit to pediatrics"]),
("admit_icu","admit to ICU",["icu","intensive care","admit icu","admit to icu","picu admission","admit to picu","ccu","critical care admission","admit to pediatric icu"]),
("to_or","to the operating room",["or","operating room","theatre","to theatre","take to or","emergency surgery","send to or","to or","hybrid suite","evar","open repair","surgical repair"]),
("to_cath_lab","to the cardiac catheterization lab",["cath lab","cardiac cath","pci","angiography","coronary angiography","activate cath lab","stemi activation"]),
("transfer","transfer to another hospital",["transfer","transfer out","transfer to tertiary center","interfacility transfer"]),
]
for id,name,syn in X:
    a(id,"disposition",name,syn,5,0)
json.dump({"version":1,"actions":A},open("Sources/MedGym/Resources/catalog/actions.json","w"),indent=1,sort_keys=True,ensure_ascii=False)
print(len(A))
