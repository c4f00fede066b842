package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"regexp"
	"sync"

	"github.com/pier-engine/pier/internal/errdefs"
)

// nameRegexp is podman's rule for container names.
var nameRegexp = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`) })

func validateName(name string) error {
	if !nameRegexp().MatchString(name) {
		return fmt.Errorf("names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: %w", errdefs.ErrInvalidArgument)
	}
	return nil
}

// newID returns a full 64-hex ID. IDs that are all digits are avoided
// because they would be mistaken for numbers in templates and filters.
func newID() string {
	for {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(err) // crypto/rand never fails on Linux
		}
		id := hex.EncodeToString(b[:])
		for _, c := range id[:12] {
			if c > '9' {
				return id
			}
		}
	}
}

// Random names follow podman's (moby's) adjective_surname pattern.
var (
	adjectives = []string{
		"admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful",
		"blissful", "bold", "boring", "brave", "busy", "charming", "clever", "compassionate",
		"competent", "condescending", "confident", "cool", "cranky", "crazy", "dazzling", "determined",
		"distracted", "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant", "eloquent",
		"epic", "exciting", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty",
		"funny", "gallant", "gifted", "goofy", "gracious", "great", "happy", "hardcore",
		"heuristic", "hopeful", "hungry", "infallible", "inspiring", "intelligent", "interesting", "jolly",
		"jovial", "keen", "kind", "laughing", "loving", "lucid", "magical", "modest",
		"musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic", "objective",
		"optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical",
		"recursing", "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly",
		"sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty",
		"trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful",
		"xenodochial", "youthful", "zealous", "zen",
	}
	surnames = []string{
		"agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin",
		"babbage", "banach", "bardeen", "bartik", "bassi", "beaver", "bell", "bhabha",
		"bhaskara", "blackwell", "bohr", "booth", "borg", "bose", "boyd", "brahmagupta",
		"brattain", "brown", "carson", "cartwright", "cerf", "chandrasekhar", "chaplygin", "chatelet",
		"chatterjee", "chebyshev", "cohen", "colden", "cori", "cray", "curie", "darwin",
		"davinci", "dewdney", "dhawan", "diffie", "dijkstra", "dirac", "driscoll", "dubinsky",
		"easley", "edison", "einstein", "elbakyan", "elgamal", "elion", "ellis", "engelbart",
		"euclid", "euler", "faraday", "feistel", "fermat", "fermi", "feynman", "franklin",
		"gagarin", "galileo", "galois", "ganguly", "gates", "gauss", "germain", "goldberg",
		"goldstine", "goldwasser", "golick", "goodall", "gould", "greider", "grothendieck", "haibt",
		"hamilton", "haslett", "hawking", "heisenberg", "hellman", "hermann", "herschel", "hertz",
		"heyrovsky", "hodgkin", "hofstadter", "hoover", "hopper", "hugle", "hypatia", "jackson",
		"jang", "jennings", "jepsen", "johnson", "joliot", "jones", "kalam", "kapitsa",
		"kare", "keldysh", "keller", "kepler", "khayyam", "khorana", "kilby", "kirch",
		"knuth", "kowalevski", "lalande", "lamarr", "lamport", "leakey", "leavitt", "lederberg",
		"lehmann", "lewin", "lichterman", "liskov", "lovelace", "lumiere", "mahavira", "margulis",
		"matsumoto", "maxwell", "mayer", "mccarthy", "mcclintock", "mclaren", "mclean", "mcnulty",
		"meitner", "mendel", "mendeleev", "meninsky", "merkle", "mestorf", "mirzakhani", "montalcini",
		"moore", "morse", "moser", "murdock", "napier", "nash", "neumann", "newton",
		"nightingale", "nobel", "noether", "northcutt", "noyce", "panini", "pare", "pascal",
		"pasteur", "payne", "perlman", "pike", "poincare", "poitras", "proskuriakova", "ptolemy",
		"raman", "ramanujan", "rhodes", "ride", "ritchie", "robinson", "roentgen", "rosalind",
		"rubin", "saha", "sammet", "sanderson", "satoshi", "shamir", "shannon", "shaw",
		"shirley", "shockley", "shtern", "sinoussi", "snyder", "solomon", "spence", "stonebraker",
		"sutherland", "swanson", "swartz", "swirles", "taussig", "tesla", "tharp", "thompson",
		"torvalds", "tu", "turing", "varahamihira", "vaughan", "villani", "visvesvaraya", "volhard",
		"wescoff", "wilbur", "wiles", "williams", "williamson", "wilson", "wing", "wozniak",
		"wright", "wu", "yalow", "yonath", "zhukovsky",
	}
)

func randomName() string {
	pick := func(list []string) string {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(list))))
		if err != nil {
			panic(err)
		}
		return list[n.Int64()]
	}
	return pick(adjectives) + "_" + pick(surnames)
}
