package rag

// irregular maps the past forms of irregular English verbs to the verb, so
// that a question's "say" finds a text's "said" and "begin" finds "began":
// Snowball stems "said" to "said" and "began" to "began". Forms whose other
// meaning is common in news ("left" wing, "the Met", "lay", "born", "bit",
// "fed", "drew", a "shot") are left alone; "fell", "found", "saw" and
// "rose" are taken as verbs ("founded" keeps its own stem).
var irregular = map[string]string{
	"said": "say", "fell": "fall", "found": "find", "saw": "see", "rose": "rise", "told": "tell",
	"thought": "think", "led": "lead", "misled": "mislead",
	"won": "win", "began": "begin", "begun": "begin", "made": "make", "took": "take",
	"taken": "take", "undertook": "undertake", "undertaken": "undertake", "gave": "give",
	"given": "give", "forgave": "forgive", "forgiven": "forgive", "went": "go", "gone": "go",
	"came": "come", "became": "become", "seen": "see", "knew": "know", "known": "know",
	"held": "hold", "kept": "keep", "brought": "bring", "bought": "buy", "sought": "seek",
	"fought": "fight", "taught": "teach", "caught": "catch", "built": "build", "sent": "send",
	"spent": "spend", "lent": "lend", "paid": "pay", "sold": "sell", "fallen": "fall",
	"struck": "strike", "risen": "rise", "arose": "arise", "arisen": "arise", "grew": "grow",
	"grown": "grow", "drawn": "draw", "flew": "fly", "flown": "fly", "threw": "throw",
	"thrown": "throw", "overthrew": "overthrow", "overthrown": "overthrow", "wrote": "write",
	"written": "write", "spoke": "speak", "spoken": "speak", "chose": "choose",
	"chosen": "choose", "broke": "break", "broken": "break", "stole": "steal",
	"stolen": "steal", "drove": "drive", "driven": "drive", "ate": "eat", "eaten": "eat",
	"lost": "lose", "meant": "mean", "felt": "feel", "stood": "stand",
	"understood": "understand", "ran": "run", "fled": "flee", "forgot": "forget",
	"forgotten": "forget", "froze": "freeze", "frozen": "freeze", "swore": "swear",
	"sworn": "swear", "wore": "wear", "worn": "wear", "tore": "tear", "torn": "tear",
	"shook": "shake", "shaken": "shake", "woke": "wake", "woken": "wake", "withdrew": "withdraw",
	"withdrawn": "withdraw", "sang": "sing", "sung": "sing", "sank": "sink", "sunk": "sink",
	"rang": "ring", "rung": "ring", "heard": "hear", "hung": "hang", "dealt": "deal",
	"slept": "sleep", "swept": "sweep", "sped": "speed", "shown": "show", "hidden": "hide",
	"hid": "hide", "forbade": "forbid", "forbidden": "forbid", "beaten": "beat",
	"bitten": "bite", "ridden": "ride", "rode": "ride", "sprang": "spring", "sprung": "spring",
	"swam": "swim", "swum": "swim", "drank": "drink", "strove": "strive", "striven": "strive",
	"dug": "dig", "stuck": "stick", "spun": "spin",
}

// spellings maps other spellings of names that news writes several ways
// (transliterations, mostly of Ukrainian, Russian and Arabic names) to one
// of them, so that a question's "Zelensky" finds an article's "Zelenskyy"
// and "Kiev" finds "Kyiv". Only whole words are mapped: a name that is one
// edit from another ("Davis", "David") is another name, and a spelling
// that names someone else ("Vladimir" Putin) or many people ("Mohammed")
// is left alone.
var spellings = map[string]string{
	"zelensky": "zelenskyy", "zelenskiy": "zelenskyy", "zelenskii": "zelenskyy", "zelenski": "zelenskyy",
	"volodimir": "volodymyr", "kiev": "kyiv", "kharkov": "kharkiv", "odessa": "odesa", "lugansk": "luhansk",
	"nikolaev": "mykolaiv", "mykolayiv": "mykolaiv", "zaporizhia": "zaporizhzhia",
	"zaporozhye": "zaporizhzhia", "dnepr": "dnipro", "dnieper": "dnipro", "lvov": "lviv",
	"chernobyl": "chornobyl", "artemovsk": "bakhmut", "navalnyy": "navalny",
	"qaddafi": "gaddafi", "gadhafi": "gaddafi", "kadhafi": "gaddafi", "qadhafi": "gaddafi",
	"qaida": "qaeda", "daesh": "isis", "isil": "isis",
}
