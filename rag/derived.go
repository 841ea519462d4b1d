package rag

import "strings"

// derivedNouns maps nouns made from a verb or an adjective to that word, so
// that a question's "produce" finds a text's "production" and "how long"
// finds "a length of": Snowball stems "production" to "product" and
// "produce" to "produc", which never meet. The list is of pairs news
// writes both ways; nouns with a sense of their own ("organisation",
// "movement", "statement", "opposition", "revolution", "trial") are left
// alone. A noun's plural maps too ("elections" to "elect").
var derivedNouns = derivedForms(`
production:produce reduction:reduce introduction:introduce construction:construct
destruction:destroy protection:protect collection:collect connection:connect
election:elect invention:invent prediction:predict selection:select rejection:reject
injection:inject detection:detect correction:correct extraction:extract
instruction:instruct obstruction:obstruct decision:decide invasion:invade
explosion:explode collision:collide division:divide revision:revise expansion:expand
extension:extend suspension:suspend admission:admit permission:permit
omission:omit transmission:transmit submission:submit emission:emit
discussion:discuss expression:express oppression:oppress suppression:suppress
possession:possess confession:confess creation:create education:educate
celebration:celebrate negotiation:negotiate investigation:investigate
operation:operate occupation:occupy prosecution:prosecute competition:compete
description:describe prescription:prescribe subscription:subscribe
information:inform formation:form evacuation:evacuate mobilisation:mobilise
mobilization:mobilize deportation:deport resignation:resign nomination:nominate
declaration:declare exploration:explore preparation:prepare separation:separate
cooperation:cooperate participation:participate demonstration:demonstrate
exploitation:exploit implementation:implement installation:install
interpretation:interpret invitation:invite limitation:limit observation:observe
recommendation:recommend registration:register transformation:transform
translation:translate violation:violate escalation:escalate
assassination:assassinate execution:execute pollution:pollute
contribution:contribute distribution:distribute solution:solve absorption:absorb
consumption:consume assumption:assume adoption:adopt disruption:disrupt
interruption:interrupt addition:add acquisition:acquire definition:define
recognition:recognise ignition:ignite repetition:repeat conclusion:conclude
exclusion:exclude inclusion:include conversion:convert diversion:divert
erosion:erode provision:provide supervision:supervise
development:develop deployment:deploy appointment:appoint agreement:agree
announcement:announce payment:pay punishment:punish investment:invest
assessment:assess arrangement:arrange employment:employ retirement:retire
achievement:achieve improvement:improve replacement:replace enforcement:enforce
commitment:commit treatment:treat management:manage measurement:measure
settlement:settle enlargement:enlarge imprisonment:imprison impeachment:impeach
recruitment:recruit requirement:require displacement:displace
abandonment:abandon shipment:ship bombardment:bombard
arrival:arrive approval:approve proposal:propose refusal:refuse survival:survive
withdrawal:withdraw denial:deny renewal:renew removal:remove dismissal:dismiss
burial:bury betrayal:betray
performance:perform acceptance:accept attendance:attend assistance:assist
resistance:resist appearance:appear existence:exist dependence:depend
interference:interfere preference:prefer emergence:emerge occurrence:occur
maintenance:maintain avoidance:avoid guidance:guide compliance:comply
reliance:rely defence:defend defense:defend offence:offend offense:offend
failure:fail departure:depart closure:close seizure:seize exposure:expose
growth:grow death:die flight:fly loss:lose sale:sell speech:speak
strength:strong length:long width:wide height:high depth:deep weight:weigh
choice:choose belief:believe proof:prove
`)

// derivedForms reads "noun:word" pairs and adds each noun's plural.
func derivedForms(pairs string) map[string]string {
	m := map[string]string{}
	for _, p := range strings.Fields(pairs) {
		noun, word, ok := strings.Cut(p, ":")
		if !ok {
			panic("rag: derived pair " + p)
		}
		m[noun] = word
		if strings.HasSuffix(noun, "s") || strings.HasSuffix(noun, "ch") {
			m[noun+"es"] = word // "losses", "speeches"
		} else {
			m[noun+"s"] = word
		}
	}
	return m
}
