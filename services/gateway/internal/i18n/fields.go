package i18n

import (
	"fmt"
	"regexp"
)

// fieldLabels names the form fields the services report errors on, as the
// form labels them.
var fieldLabels = map[string]map[string]string{
	ZhHant:  {"text": "問題或留言內容", "language": "語言", "display_name": "顯示名稱", "email": "電子郵件", "anonymous": "匿名", "reason": "理由"},
	English: {"text": "Text", "language": "Language", "display_name": "Display name", "email": "Email", "anonymous": "Anonymous", "reason": "Reason"},
	French:  {"text": "Texte", "language": "Langue", "display_name": "Nom affiché", "email": "Courriel", "anonymous": "Anonyme", "reason": "Motif"},
}

// fieldProblem is a service message, recognised by its pattern, in each
// language; %[1]s, %[2]s are the pattern's groups.
type fieldProblem struct {
	re   *regexp.Regexp
	text map[string]string
}

// The services' messages are English and name the field by its JSON name;
// the ones a public form can provoke are said here in the reader's
// language. Anything else is shown as the service said it.
var fieldProblems = []fieldProblem{
	{regexp.MustCompile(`^is required unless "anonymous" is true$`), map[string]string{
		ZhHant: "請填寫，或勾選匿名", English: "is required unless you ask anonymously", French: "est obligatoire, sauf en mode anonyme"}},
	{regexp.MustCompile(`^is required`), map[string]string{ZhHant: "必須填寫", English: "is required", French: "est obligatoire"}},
	{regexp.MustCompile(`^is (\d+) characters; at most (\d+)$`), map[string]string{
		ZhHant: "共 %[1]s 字，最多 %[2]s 字", English: "is %[1]s characters long; at most %[2]s", French: "compte %[1]s caractères ; %[2]s au plus"}},
	{regexp.MustCompile(`^contains the control character`), map[string]string{
		ZhHant: "含有不可見的控制字元，請刪除後再送出", English: "contains an invisible control character; remove it and send again", French: "contient un caractère de contrôle invisible ; supprimez-le et renvoyez"}},
	{regexp.MustCompile(`(?i)bidi|bidirectional|direction`), map[string]string{
		ZhHant: "含有改變文字方向的不可見字元，請刪除後再送出", English: "contains an invisible character that changes the text direction; remove it and send again", French: "contient un caractère invisible qui change le sens du texte ; supprimez-le et renvoyez"}},
	{regexp.MustCompile(`^is not valid UTF-8$`), map[string]string{ZhHant: "含有無法辨識的字元", English: "contains characters that cannot be read", French: "contient des caractères illisibles"}},
	{regexp.MustCompile(`(?i)^must not be an email address`), map[string]string{
		ZhHant: "不能是電子郵件地址（名稱會公開顯示）", English: "must not be an email address (names are shown publicly)", French: "ne doit pas être une adresse de courriel (les noms sont publics)"}},
	{regexp.MustCompile(`(?i)not a valid email address|^is not an email address$`), map[string]string{ZhHant: "不是有效的電子郵件地址", English: "is not an email address", French: "n’est pas une adresse de courriel"}},
	{regexp.MustCompile(`^must be one line$`), map[string]string{ZhHant: "只能有一行", English: "must be one line", French: "doit tenir sur une ligne"}},
	{regexp.MustCompile(`^must be empty for an anonymous question$`), map[string]string{ZhHant: "匿名提問時請留空", English: "must be empty when you ask anonymously", French: "doit rester vide en mode anonyme"}},
	{regexp.MustCompile(`^must be a language tag|is not a known language`), map[string]string{ZhHant: "請從清單中選擇語言", English: "choose a language from the list", French: "choisissez une langue dans la liste"}},
	{regexp.MustCompile(`(?i)one of the plan'?s languages|not a language of (this|the) plan|languages? of the plan`), map[string]string{
		ZhHant: "此行動方案不使用這個語言，請從清單中選擇", English: "is not a language of this plan; choose one from the list", French: "n’est pas une langue de ce plan ; choisissez-en une dans la liste"}},
}

// FieldError says what is wrong with a form field in lang: the field by its
// label, the problem in lang when it is a known one, else as the service
// said it.
func FieldError(lang, field, message string) string {
	label := fieldLabels[lang][field]
	if label == "" {
		label = fieldLabels[English][field]
	}
	if label == "" {
		label = field
	}
	for _, p := range fieldProblems {
		m := p.re.FindStringSubmatch(message)
		if m == nil {
			continue
		}
		t := p.text[lang]
		if t == "" {
			t = p.text[English]
		}
		args := make([]any, 0, len(m)-1)
		for _, g := range m[1:] {
			args = append(args, g)
		}
		message = fmt.Sprintf(t, args...)
		break
	}
	return label + T(lang, "field.sep") + message
}
