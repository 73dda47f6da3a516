package report

// labels holds the words the documents print, by language; a language
// without its own falls back to English.
var labels = map[string]map[string]string{
	"en": {
		NotStarted: "Not started", Limited: "Limited", Substantial: "Substantial", Complete: "Complete",
		"access_to_information": "Access to information", "civic_participation": "Civic participation",
		"public_accountability": "Public accountability", "technology_and_innovation": "Technology and innovation",
		"government": "Government", "civil_society": "Civil society",
	},
	"fr": {
		NotStarted: "Non commencé", Limited: "Limité", Substantial: "Substantiel", Complete: "Achevé",
		"access_to_information": "Accès à l'information", "civic_participation": "Participation civique",
		"public_accountability": "Responsabilité publique", "technology_and_innovation": "Technologie et innovation",
		"government": "Gouvernement", "civil_society": "Société civile",
	},
}

// Label returns the printed word for key in language tag (English when the
// language has none; key itself when no language does).
func Label(tag, key string) string {
	if m, ok := labels[tag]; ok {
		if v, ok := m[key]; ok {
			return v
		}
	}
	if v, ok := labels["en"][key]; ok {
		return v
	}
	return key
}
