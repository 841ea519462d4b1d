package corpus

import "errors"

func parseHTML(data []byte) (Article, error) { return Article{}, errors.New("HTML not supported yet") }
