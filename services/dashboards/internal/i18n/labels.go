package i18n

// texts is one label in each language; an empty translation falls back to en.
type texts struct{ en, fr, zh string }

// Keys used by the widgets besides the light, status and reason codes.
const (
	KeyDisputed        = "disputed"
	KeyDisputedNote    = "disputed_note"
	KeyNoStatus        = "no_status"
	KeyNextDeadlines   = "next_deadlines"
	KeyNoDeadlines     = "no_deadlines"
	KeyPercentComplete = "percent_complete"
	KeyUpdated         = "updated"
	KeyStatus          = "status"
	KeyRating          = "rating"
	KeyByRating        = "by_rating"
	KeyByStatus        = "by_status"
	KeyNumber          = "number"
	KeyTotal           = "total"
	KeyCommitment      = "commitment"
	KeyCommitments     = "commitments"
	KeyActionPlan      = "action_plan"
	KeyCode            = "code"
	KeyTitle           = "title"
	KeyAbout           = "about"
	KeyPlanWords       = "plan_words"
	KeyViewPage        = "view_page"
	KeyNewTab          = "new_tab"
	KeyColon           = "colon"
	KeyNotFound        = "not_found"
)

// entry is a switch rather than a package-level map so the table cannot be
// changed at run time.
func entry(key string) (texts, bool) {
	switch key {
	// Lights: plain words, so colour is never the only signal.
	case "green":
		return texts{"On track", "En bonne voie", "進度正常"}, true
	case "amber":
		return texts{"At risk", "À risque", "有延誤風險"}, true
	case "red":
		return texts{"Off track", "En retard", "進度落後"}, true
	case "grey":
		return texts{"Not yet reported", "Pas encore de suivi", "尚未報告"}, true

	// Statuses: the IRM completion levels.
	case "not_started":
		return texts{"Not started", "Pas commencé", "尚未開始"}, true
	case "limited":
		return texts{"Limited", "Limité", "有限"}, true
	case "substantial":
		return texts{"Substantial", "Substantiel", "實質"}, true
	case "complete":
		return texts{"Complete", "Terminé", "完成"}, true
	case KeyNoStatus:
		return texts{"No agreed update yet", "Aucune mise à jour convenue", "尚無共同確認的進度更新"}, true

	case KeyDisputed:
		return texts{"Disputed", "Contesté", "有爭議"}, true
	case KeyNotFound:
		return texts{"not found", "introuvable", "查無資料"}, true
	case KeyDisputedNote:
		return texts{"The latest update is disputed.", "La dernière mise à jour est contestée.", "最新的進度更新有爭議。"}, true

	// Widget words.
	case KeyNextDeadlines:
		return texts{"Next deadlines", "Prochaines échéances", "近期期限"}, true
	case KeyNoDeadlines:
		return texts{"No upcoming deadlines", "Aucune échéance à venir", "沒有即將到來的期限"}, true
	case KeyPercentComplete:
		return texts{"Percent complete", "Pourcentage d’achèvement", "完成百分比"}, true
	case "percent_value":
		// French puts a narrow no-break space before %.
		return texts{"%d%% complete", "%d\u202f%% achevé", "已完成 %d%%"}, true
	case KeyUpdated:
		return texts{"Updated", "Mis à jour le", "更新日期"}, true
	case KeyStatus:
		return texts{"Completion level", "Niveau d’achèvement", "完成程度"}, true
	case KeyRating:
		return texts{"Rating", "Évaluation", "評估"}, true
	case KeyByRating:
		return texts{"By rating", "Par évaluation", "依評估"}, true
	case KeyByStatus:
		return texts{"By completion level", "Par niveau d’achèvement", "依完成程度"}, true
	case KeyNumber:
		return texts{"Number", "Nombre", "數量"}, true
	case KeyTotal:
		return texts{"Total", "Total", "總計"}, true
	case KeyCommitment:
		return texts{"Commitment", "Engagement", "承諾事項"}, true
	case KeyCommitments:
		return texts{"Commitments", "Engagements", "承諾事項"}, true
	case KeyActionPlan:
		return texts{"Action plan", "Plan d’action", "行動計畫"}, true
	case KeyCode:
		return texts{"Code", "Code", "編號"}, true
	case KeyTitle:
		return texts{"Title", "Titre", "名稱"}, true
	case KeyAbout:
		return texts{"About", "Vers le", "約"}, true
	case KeyPlanWords:
		return texts{"Plan says", "Selon le plan", "計畫原文"}, true
	case KeyViewPage:
		return texts{"See full details", "Voir tous les détails", "查看完整內容"}, true
	case KeyNewTab:
		return texts{"(opens in a new tab)", "(s’ouvre dans un nouvel onglet)", "（在新分頁開啟）"}, true
	case KeyColon:
		// French sets a no-break space before a colon; Chinese uses the
		// full-width colon, which carries its own spacing.
		return texts{": ", "\u00a0: ", "："}, true
	case "fallback_note":
		return texts{"Shown in %s: not available in %s", "Affiché en %s\u00a0: non disponible en %s", "以%s顯示：尚無%s版本"}, true

	// Language names, used in the fallback note.
	case "lang.en":
		return texts{"English", "anglais", "英文"}, true
	case "lang.fr":
		return texts{"French", "français", "法文"}, true
	case "lang.zh-Hant":
		return texts{"Traditional Chinese", "chinois traditionnel", "繁體中文"}, true

	// Reasons, one per rag reason code.
	case "reason.complete":
		return texts{"Complete", "Terminé", "已完成"}, true
	case "reason.overdue":
		return texts{"Past its due date and not complete", "Échéance dépassée sans être terminé", "已過期限但尚未完成"}, true
	case "reason.disputed":
		return texts{"The latest update is disputed", "La dernière mise à jour est contestée", "最新的進度更新有爭議"}, true
	case "reason.due_soon_low_progress":
		return texts{"Due soon with little progress", "Échéance proche et peu d’avancement", "即將到期但進展有限"}, true
	case "reason.not_reported":
		return texts{"No agreed update yet", "Aucune mise à jour convenue", "尚無共同確認的進度更新"}, true
	case "reason.on_track":
		return texts{"Progressing as planned", "Avance comme prévu", "按計畫進行"}, true
	case "reason.recurring_not_reported":
		return texts{"Ongoing work with no agreed update yet", "Travail continu sans mise à jour convenue", "持續進行的工作，尚無共同確認的進度更新"}, true
	case "reason.recurring_reported":
		return texts{"Ongoing work with good progress", "Travail continu bien avancé", "持續進行的工作，進展良好"}, true
	case "reason.recurring_low_progress":
		return texts{"Ongoing work with little progress", "Travail continu peu avancé", "持續進行的工作，進展有限"}, true
	case "reason.rollup_red":
		return texts{"More than a quarter of its parts are off track", "Plus du quart de ses éléments sont en retard", "超過四分之一的項目進度落後"}, true
	case "reason.rollup_amber":
		return texts{"Some of its parts are at risk or off track", "Certains de ses éléments sont à risque ou en retard", "部分項目有延誤風險或進度落後"}, true
	case "reason.rollup_grey":
		return texts{"None of its parts has been reported yet", "Aucun de ses éléments n’a encore de suivi", "所有項目皆尚未報告"}, true
	case "reason.rollup_green":
		return texts{"Its reported parts are on track", "Ses éléments suivis sont en bonne voie", "已報告的項目皆進度正常"}, true
	case "reason.rollup_empty":
		return texts{"Nothing to show yet", "Rien à afficher pour l’instant", "尚無可顯示的項目"}, true
	}
	return texts{}, false
}
