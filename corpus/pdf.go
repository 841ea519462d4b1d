package corpus

import "errors"

func parsePDF(data []byte) (Article, error) { return Article{}, errors.New("PDF not supported yet") }
