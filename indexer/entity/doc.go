// Package entity decides the entities of an archive: which of the names
// the indexer stored per article are one person, organisation or place,
// what type each is, how it is shown, and which names are not entities at
// all. It works on what the index already holds (the names per field with
// their document counts, and the evidence terms the indexer records per
// article), so the decision covers the whole archive and is recomputed,
// not re-indexed, when articles are added or a researcher corrects it.
//
// The steps, in order (Resolve):
//  1. each stored name gets a key that ignores case, dots, hyphens,
//     possessives, a leading "the", Reuters' angle brackets and corporate
//     suffixes (Inc, Corp, Co, Ltd, PLC, AG, SA, NV, & Co); names with one
//     key are one entity;
//  2. researchers' corrections (the alias table: built-in, config, and
//     edits made through the API or CLI) pin their names: a pinned entity
//     has exactly the names its entry lists, and nothing below adds to it;
//  3. countries, US states and their abbreviations are joined through
//     licensed data sets (github.com/biter777/countries, BSD-2-Clause; the
//     Python package us, BSD-3-Clause);
//  4. acronyms and short forms join their long form, from a built-in table
//     and from the archive: articles that pair them ("the Securities and
//     Exchange Commission (SEC)", initials, "Fed" beside "Federal Reserve")
//     are counted and the dominant pairing wins;
//  5. a surname joins the full name the archive gives it, when one full
//     name clearly dominates; it stays apart when ambiguous;
//  6. single words the archive mostly writes in lower case ("company",
//     "bank", "minister") and bare corporate suffixes are not entities;
//  7. each entity's type is the majority over all its articles.
package entity
