package entity

// knownAcronym is a built-in entry: the name an entity is shown under, its
// type, and spellings news uses for it. The archive learns more pairs
// itself (Resolve); this table covers bodies whose short form is not their
// initials ("Fed") and long forms that are rarely written out.
type knownAcronym struct {
	display, typ string
	variants     []string
}

var knownAcronyms = []knownAcronym{
	{"OPEC", Org, []string{"Organization of Petroleum Exporting Countries", "Organisation of Petroleum Exporting Countries", "Organization of the Petroleum Exporting Countries"}},
	{"GATT", Org, []string{"General Agreement on Tariffs and Trade"}},
	{"USDA", Org, []string{"U.S. Agriculture Department", "U.S. Department of Agriculture", "United States Department of Agriculture", "Agriculture Department", "Department of Agriculture"}},
	{"OECD", Org, []string{"Organisation for Economic Co-operation and Development", "Organization for Economic Cooperation and Development", "Organisation for Economic Cooperation and Development"}},
	{"Securities and Exchange Commission", Org, []string{"SEC", "U.S. Securities and Exchange Commission"}},
	{"Federal Reserve", Org, []string{"Fed", "Federal Reserve Board", "Federal Reserve System", "U.S. Federal Reserve"}},
	{"International Monetary Fund", Org, []string{"IMF"}},
	{"European Community", Org, []string{"EC", "European Economic Community", "EEC", "European Communities"}},
	{"United Nations", Org, []string{"UN", "U.N."}},
	{"NATO", Org, []string{"North Atlantic Treaty Organization", "North Atlantic Treaty Organisation"}},
	{"European Union", Org, []string{"EU", "E.U."}},
	{"IBM", Org, []string{"International Business Machines"}},
	{"Federal Trade Commission", Org, []string{"FTC"}},
	{"Federal Communications Commission", Org, []string{"FCC"}},
	{"Food and Drug Administration", Org, []string{"FDA"}},
	{"Environmental Protection Agency", Org, []string{"EPA"}},
	{"Central Intelligence Agency", Org, []string{"CIA"}},
	{"Federal Bureau of Investigation", Org, []string{"FBI"}},
	{"NASA", Org, []string{"National Aeronautics and Space Administration"}},
	{"World Health Organization", Org, []string{"WHO"}},
	{"World Trade Organization", Org, []string{"WTO"}},
	{"European Central Bank", Org, []string{"ECB"}},
	{"New York Stock Exchange", Org, []string{"NYSE", "N.Y.S.E."}},
	{"Commodity Futures Trading Commission", Org, []string{"CFTC"}},
	{"Federal Deposit Insurance Corporation", Org, []string{"FDIC"}},
	{"International Coffee Organization", Org, []string{"ICO"}},
	{"Soviet Union", Place, []string{"USSR", "U.S.S.R.", "Soviet Union"}},
}
