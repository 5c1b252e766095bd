//! The word lists rows are made of.

#[rustfmt::skip]
pub const FIRST_NAMES: &[&str] = &[
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony",
    "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily",
    "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
    "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Jason", "Laura",
    "Edward", "Sharon", "Jeffrey", "Cynthia", "Ryan", "Kathleen", "Jacob", "Amy", "Gary", "Angela",
    "Nicholas", "Shirley", "Eric", "Anna", "Jonathan", "Brenda", "Stephen", "Pamela", "Larry",
    "Emma", "Justin", "Nicole", "Scott", "Helen", "Brandon", "Samantha", "Benjamin", "Katherine",
    "Samuel", "Christine", "Gregory", "Rachel", "Alexander", "Carolyn", "Patrick", "Janet",
    "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Tyler", "Julie", "Aaron", "Joyce",
    "José", "Zoë", "Ngũgĩ", "María", "Chloé", "Renée", "Åsa", "Björn", "Søren", "Łukasz",
    "Małgorzata", "François", "Hélène", "Jürgen", "Müge", "Çağla", "Ayşe", "Mehmet", "Emre",
    "Zeynep", "Siobhán", "Seán", "Aoife", "Niamh", "Oisín", "Raúl", "Inés", "Álvaro", "Sofía",
    "Lucía", "Joaquín", "João", "Conceição", "Gonçalo", "André", "Amélie", "Noémie", "Jiří",
    "Tomáš", "Zuzana", "Ondřej", "Þóra", "Eiríkur", "Wei", "Li", "Hiroshi", "Yuki", "Aiko",
    "Min-jun", "Ji-woo", "Priya", "Arjun", "Ananya", "Rohan", "Fatima", "Omar", "Aisha",
    "Youssef", "Leila", "Kwame", "Ama", "Chinedu", "Ngozi", "Wanjiru", "Oluwaseun", "Thandiwe",
    "Sipho", "Mateo", "Camila", "Santiago", "Valentina", "Diego", "Isabella", "Luca", "Giulia",
    "Matteo", "Chiara", "Anaïs", "Maëlle", "Loïc", "Gaël", "Dmitri", "Anastasia", "Ivan", "Olga",
    "Katarzyna", "Piotr", "Thảo", "Minh", "Linh", "Aroha", "Tāne", "Mele", "Kalani", "Keanu",
    "Ingrid", "Astrid", "Lars", "Nils", "Freya", "Hannah", "Lukas", "Felix", "Mia", "Noah",
];

#[rustfmt::skip]
pub const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Phillips", "Evans", "Turner", "Diaz",
    "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy",
    "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed",
    "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez",
    "Wood", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Castillo", "Sanders",
    "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Öztürk", "Yılmaz", "Şahin", "Çelik",
    "Doğan", "Kaya", "Müller", "Schröder", "Weiß", "Fischer", "Köhler", "Dvořák", "Novák",
    "Svoboda", "Černý", "Kowalski", "Wiśniewska", "Wójcik", "Nowak", "Łukaszewski", "Jørgensen",
    "Østergaard", "Åberg", "Lindqvist", "Söderström", "Håkansson", "García", "Peña", "Muñoz",
    "Núñez", "Ibáñez", "Fernández", "Gonçalves", "Magalhães", "Araújo", "Lefèvre", "Dubois",
    "Moreau", "Girard", "Bélanger", "Côté", "Gagné", "O'Brien", "O'Connor", "MacLeod", "Ngũgĩ",
    "Wanjiku", "Okafor", "Adeyemi", "Mensah", "Nkosi", "Dlamini", "Haddad", "Khoury", "Nasser",
    "Hosseini", "Tanaka", "Suzuki", "Watanabe", "Sato", "Takahashi", "Chen", "Wang", "Zhang",
    "Liu", "Huang", "Park", "Choi", "Kang", "Tran", "Phạm", "Lê", "Võ", "Đặng", "Kapoor",
    "Sharma", "Iyer", "Reddy", "Gupta", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
    "Romano", "Papadopoulos", "Georgiou", "Kovačević", "Horváth", "Nagy", "Szabó", "Tóth",
    "Smirnov", "Popescu", "Ionescu", "Andersen", "Larsen", "Virtanen", "Korhonen", "Halvorsen",
];

#[rustfmt::skip]
pub const ADJECTIVES: &[&str] = &[
    "Acme", "Apex", "Blue", "Bright", "Cedar", "Clear", "Coastal", "Copper", "Crimson", "Crystal",
    "Delta", "Eagle", "Evergreen", "Falcon", "First", "Golden", "Granite", "Green", "Harbor",
    "Highland", "Horizon", "Iron", "Keystone", "Lakeside", "Liberty", "Lunar", "Maple",
    "Meridian", "Metro", "Midwest", "Noble", "North", "Nova", "Oak", "Orbit", "Pacific", "Peak",
    "Pinnacle", "Pioneer", "Prairie", "Quantum", "Red", "Redwood", "River", "Rocky", "Silver",
    "Sky", "Solar", "Summit", "Sterling", "Swift", "Titan", "True", "Union", "Urban", "Valley",
    "Vertex", "Vista", "West", "Willow",
];

#[rustfmt::skip]
pub const NOUNS: &[&str] = &[
    "Robotics", "Logistics", "Analytics", "Systems", "Software", "Solutions", "Dynamics",
    "Industries", "Foods", "Health", "Energy", "Capital", "Media", "Networks", "Consulting",
    "Designs", "Manufacturing", "Motors", "Pharma", "Biotech", "Textiles", "Retail", "Outfitters",
    "Builders", "Construction", "Freight", "Supply", "Ventures", "Insurance", "Realty",
    "Security", "Telecom", "Devices", "Materials", "Apparel", "Brewing", "Coffee", "Dental",
    "Clinics", "Aerospace", "Marine", "Farms", "Fitness", "Travel", "Hotels", "Learning", "Legal",
    "Printing", "Packaging", "Plastics", "Metals", "Chemicals", "Electric", "Tools", "Furniture",
    "Interiors", "Studios", "Games", "Payments", "Water",
];

#[rustfmt::skip]
pub const TAILS: &[&str] = &[
    "Group", "Partners", "Holdings", "Labs", "Works", "Co", "Collective", "Associates",
    "International", "Technologies", "Services", "Enterprises",
];
/// Non-ASCII letters of the name lists and their ASCII spelling; anything else is dropped.
#[rustfmt::skip]
pub const FOLDS: &[(&str, &str)] = &[
    ("áàâäãåāąạảặầ", "a"), ("éèêëēęěễệ", "e"), ("íìîïĩīı", "i"), ("óòôöõøōőọơồ", "o"),
    ("úùûüũūůư", "u"), ("çčć", "c"), ("ñńň", "n"), ("şšś", "s"), ("žźż", "z"), ("ğ", "g"),
    ("ł", "l"), ("ř", "r"), ("ýÿ", "y"), ("đðď", "d"), ("ß", "ss"), ("æ", "ae"), ("þ", "th"),
];
pub const BAD_DATES: &[&str] = &[
    "31/02/2027",
    "next week",
    "2027-13-05",
    "Q3 2027",
    "TBD",
    "02/30/2027",
];
pub const SUFFIXES: &[&str] = &["Inc", "LLC", "Ltd", "GmbH"];
pub const FREE_MAIL: &[&str] = &["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"];

#[rustfmt::skip]
pub const AREA_CODES: &[u16] = &[
    201, 202, 203, 205, 206, 212, 213, 214, 215, 216, 303, 305, 310, 312, 313, 314, 404, 407,
    408, 412, 415, 469, 503, 512, 602, 614, 617, 619, 646, 702, 704, 713, 718, 720, 734, 773,
    801, 804, 813, 816, 818, 832, 857, 909, 917, 919, 925, 949, 971, 978,
];

#[rustfmt::skip]
pub const INTERESTS: &[&str] = &[
    "CRM rollout", "Data migration", "Annual license", "Pilot project", "Support renewal",
    "Onboarding package", "API integration", "Seat expansion", "Analytics add-on",
    "Security review", "Training workshop", "Enterprise upgrade", "Mobile app",
    "Marketing automation", "Consulting retainer", "Hardware refresh", "Cloud migration",
    "Custom reporting", "Team plan", "Partner program",
];

#[rustfmt::skip]
pub const OWNERS: &[&str] = &[
    "dana.whitfield@leadsync.example", "marcus.oyelaran@leadsync.example",
    "priya.natarajan@leadsync.example", "tom.becker@leadsync.example",
    "lucia.ferreira@leadsync.example", "kenji.mori@leadsync.example",
    "sarah.oconnell@leadsync.example", "ahmed.rahman@leadsync.example",
];
