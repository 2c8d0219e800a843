package eval

// porterStem returns the Porter (1980) stem of a lower-case ASCII word, as
// in Martin Porter's reference C implementation (with its "bli" -> "ble"
// and "logi" -> "log" departures from the paper), which ROUGE-1.5.5 uses.
// Words of one or two letters and words with bytes outside a-z are returned
// as they are.
func porterStem(w string) string {
	if len(w) <= 2 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	p := porter{b: []byte(w), k: len(w) - 1}
	p.step1ab()
	if p.k > 0 {
		p.step1c()
		p.step2()
		p.step3()
		p.step4()
		p.step5()
	}
	return string(p.b[:p.k+1])
}

// porter is the state of one stemming: the word in b[0..k]; j marks the
// end of the stem when a suffix matched.
type porter struct {
	b    []byte
	k, j int
}

// cons reports whether b[i] is a consonant.
func (p *porter) cons(i int) bool {
	switch p.b[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !p.cons(i-1)
	}
	return true
}

// m counts the vowel-consonant sequences in b[0..j].
func (p *porter) m() int {
	n, i := 0, 0
	for {
		if i > p.j {
			return n
		}
		if !p.cons(i) {
			break
		}
		i++
	}
	i++
	for {
		for {
			if i > p.j {
				return n
			}
			if p.cons(i) {
				break
			}
			i++
		}
		i++
		n++
		for {
			if i > p.j {
				return n
			}
			if !p.cons(i) {
				break
			}
			i++
		}
		i++
	}
}

func (p *porter) vowelInStem() bool {
	for i := 0; i <= p.j; i++ {
		if !p.cons(i) {
			return true
		}
	}
	return false
}

func (p *porter) doublec(j int) bool {
	return j >= 1 && p.b[j] == p.b[j-1] && p.cons(j)
}

func (p *porter) cvc(i int) bool {
	if i < 2 || !p.cons(i) || p.cons(i-1) || !p.cons(i-2) {
		return false
	}
	switch p.b[i] {
	case 'w', 'x', 'y':
		return false
	}
	return true
}

func (p *porter) ends(s string) bool {
	l := len(s)
	if l > p.k+1 || string(p.b[p.k-l+1:p.k+1]) != s {
		return false
	}
	p.j = p.k - l
	return true
}

func (p *porter) setTo(s string) {
	p.b = append(p.b[:p.j+1], s...)
	p.k = p.j + len(s)
}

func (p *porter) r(s string) {
	if p.m() > 0 {
		p.setTo(s)
	}
}

func (p *porter) step1ab() {
	if p.b[p.k] == 's' {
		switch {
		case p.ends("sses"):
			p.k -= 2
		case p.ends("ies"):
			p.setTo("i")
		case p.b[p.k-1] != 's':
			p.k--
		}
	}
	if p.ends("eed") {
		if p.m() > 0 {
			p.k--
		}
	} else if (p.ends("ed") || p.ends("ing")) && p.vowelInStem() {
		p.k = p.j
		switch {
		case p.ends("at"):
			p.setTo("ate")
		case p.ends("bl"):
			p.setTo("ble")
		case p.ends("iz"):
			p.setTo("ize")
		case p.doublec(p.k):
			p.k--
			switch p.b[p.k] {
			case 'l', 's', 'z':
				p.k++
			}
		default:
			p.j = p.k
			if p.m() == 1 && p.cvc(p.k) {
				p.setTo("e")
			}
		}
	}
	p.b = p.b[:p.k+1]
}

func (p *porter) step1c() {
	if p.ends("y") && p.vowelInStem() {
		p.b[p.k] = 'i'
	}
}

// rules tries each suffix -> replacement in order; the first suffix that
// matches ends the search whether or not the replacement applied.
func (p *porter) rules(pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if p.ends(pairs[i]) {
			p.r(pairs[i+1])
			return
		}
	}
}

func (p *porter) step2() {
	if p.k < 1 {
		return
	}
	switch p.b[p.k-1] {
	case 'a':
		p.rules("ational", "ate", "tional", "tion")
	case 'c':
		p.rules("enci", "ence", "anci", "ance")
	case 'e':
		p.rules("izer", "ize")
	case 'l':
		p.rules("bli", "ble", "alli", "al", "entli", "ent", "eli", "e", "ousli", "ous")
	case 'o':
		p.rules("ization", "ize", "ation", "ate", "ator", "ate")
	case 's':
		p.rules("alism", "al", "iveness", "ive", "fulness", "ful", "ousness", "ous")
	case 't':
		p.rules("aliti", "al", "iviti", "ive", "biliti", "ble")
	case 'g':
		p.rules("logi", "log")
	}
}

func (p *porter) step3() {
	switch p.b[p.k] {
	case 'e':
		p.rules("icate", "ic", "ative", "", "alize", "al")
	case 'i':
		p.rules("iciti", "ic")
	case 'l':
		p.rules("ical", "ic", "ful", "")
	case 's':
		p.rules("ness", "")
	}
}

func (p *porter) step4() {
	if p.k < 1 {
		return
	}
	var ok bool
	switch p.b[p.k-1] {
	case 'a':
		ok = p.ends("al")
	case 'c':
		ok = p.ends("ance") || p.ends("ence")
	case 'e':
		ok = p.ends("er")
	case 'i':
		ok = p.ends("ic")
	case 'l':
		ok = p.ends("able") || p.ends("ible")
	case 'n':
		ok = p.ends("ant") || p.ends("ement") || p.ends("ment") || p.ends("ent")
	case 'o':
		ok = p.ends("ion") && p.j >= 0 && (p.b[p.j] == 's' || p.b[p.j] == 't') || p.ends("ou")
	case 's':
		ok = p.ends("ism")
	case 't':
		ok = p.ends("ate") || p.ends("iti")
	case 'u':
		ok = p.ends("ous")
	case 'v':
		ok = p.ends("ive")
	case 'z':
		ok = p.ends("ize")
	}
	if ok && p.m() > 1 {
		p.k = p.j
	}
}

func (p *porter) step5() {
	p.j = p.k
	if p.b[p.k] == 'e' {
		a := p.m()
		if a > 1 || a == 1 && !p.cvc(p.k-1) {
			p.k--
		}
	}
	if p.b[p.k] == 'l' && p.doublec(p.k) && p.m() > 1 {
		p.k--
	}
}
