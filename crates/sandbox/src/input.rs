//! JSON as the sandbox reads it from users: numbers kept as the digits they wrote, objects in the
//! order they wrote them, so an argument of any size reaches the contract exactly.
//!
//! serde_json would need its `arbitrary_precision` and `preserve_order` features for that, and Cargo
//! unifies features across the workspace: they would reach the contract core under test too.

/// A JSON value with its numbers as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Null,
    Bool(bool),
    /// The number's literal text, e.g. `-12`, `3.5e2`, `340282366920938463463374607431768211456`.
    Number(String),
    Str(String),
    Array(Vec<Input>),
    /// Members in the order written (a repeated key keeps both; lookups take the first).
    Object(Vec<(String, Input)>),
}

/// Why a text is not JSON: what was expected, at which byte.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {at}")]
pub struct ParseError {
    pub what: &'static str,
    pub at: usize,
}

/// Deeper nesting than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 128;

impl Input {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Input> {
        match self {
            Input::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Input::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The keys of an object, in order.
    pub fn keys(&self) -> Vec<&str> {
        match self {
            Input::Object(members) => members.iter().map(|(k, _)| k.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Null => f.write_str("null"),
            Input::Bool(flag) => write!(f, "{flag}"),
            Input::Number(text) => f.write_str(text),
            Input::Str(text) => write!(f, "{}", serde_json::Value::String(text.clone())),
            Input::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Input::Object(members) => {
                f.write_str("{")?;
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:{value}", serde_json::Value::String(key.clone()))?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Parses exactly one JSON value (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Input, ParseError> {
    let mut parser = Parser { bytes: text.as_bytes(), at: 0 };
    let value = parser.value(0)?;
    parser.skip_space();
    if parser.at != parser.bytes.len() {
        return Err(parser.error("end of input"));
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn error(&self, what: &'static str) -> ParseError {
        ParseError { what, at: self.at }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &'static str, value: Input) -> Result<Input, ParseError> {
        if self.bytes.get(self.at..self.at + word.len()) == Some(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("a JSON value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Input, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("less nesting"));
        }
        self.skip_space();
        match self.peek() {
            Some(b'n') => self.literal("null", Input::Null),
            Some(b't') => self.literal("true", Input::Bool(true)),
            Some(b'f') => self.literal("false", Input::Bool(false)),
            Some(b'"') => self.string().map(Input::Str),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_space();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Input::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_space();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Input::Array(items));
                        }
                        _ => return Err(self.error("',' or ']'")),
                    }
                }
            }
            Some(b'{') => {
                self.at += 1;
                let mut members = Vec::new();
                self.skip_space();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Input::Object(members));
                }
                loop {
                    self.skip_space();
                    if self.peek() != Some(b'"') {
                        return Err(self.error("a string key"));
                    }
                    let key = self.string()?;
                    self.skip_space();
                    if self.peek() != Some(b':') {
                        return Err(self.error("':'"));
                    }
                    self.at += 1;
                    members.push((key, self.value(depth + 1)?));
                    self.skip_space();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Input::Object(members));
                        }
                        _ => return Err(self.error("',' or '}'")),
                    }
                }
            }
            _ => Err(self.error("a JSON value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<Input, ParseError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let leading_zero = self.peek() == Some(b'0');
        let whole = self.digits();
        if whole == 0 || (leading_zero && whole > 1) {
            return Err(self.error("a number"));
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("digits after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("exponent digits"));
            }
        }
        let text = std::str::from_utf8(self.bytes.get(start..self.at).unwrap_or_default())
            .map_err(|_| self.error("a number"))?;
        Ok(Input::Number(text.to_string()))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or_else(|| self.error("4 hex digits"))?;
        let text = std::str::from_utf8(digits).map_err(|_| self.error("4 hex digits"))?;
        let value = u32::from_str_radix(text, 16).map_err(|_| self.error("4 hex digits"))?;
        self.at += 4;
        Ok(value)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.at += 1; // the opening quote
        let mut out = Vec::new();
        loop {
            let byte = self.peek().ok_or_else(|| self.error("a closing '\"'"))?;
            self.at += 1;
            match byte {
                b'"' => return String::from_utf8(out).map_err(|_| self.error("UTF-8 text")),
                b'\\' => {
                    let escape = self.peek().ok_or_else(|| self.error("an escape"))?;
                    self.at += 1;
                    let decoded = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let first = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&first) {
                                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                                    return Err(self.error("a low surrogate"));
                                }
                                self.at += 2;
                                let second = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&second) {
                                    return Err(self.error("a low surrogate"));
                                }
                                0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
                            } else {
                                first
                            };
                            char::from_u32(code).ok_or_else(|| self.error("a Unicode scalar"))?
                        }
                        _ => return Err(self.error("a valid escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
                }
                0x00..=0x1f => return Err(self.error("no control character in a string")),
                other => out.push(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_digits_and_objects_their_order() {
        let parsed = parse(
            r#"{"z": 340282366920938463463374607431768211456, "a": [-1, 2.5e3, "x\u00e9\ud83d\ude00"]}"#,
        )
        .unwrap();
        assert_eq!(parsed.keys(), ["z", "a"]);
        assert_eq!(parsed.get("z"), Some(&Input::Number("340282366920938463463374607431768211456".into())));
        assert_eq!(
            parsed.get("a"),
            Some(&Input::Array(vec![
                Input::Number("-1".into()),
                Input::Number("2.5e3".into()),
                Input::Str("xé😀".into())
            ]))
        );
        assert_eq!(parse(" true ").unwrap(), Input::Bool(true));
        assert_eq!(
            parsed.to_string(),
            r#"{"z":340282366920938463463374607431768211456,"a":[-1,2.5e3,"xé😀"]}"#
        );
    }

    #[test]
    fn what_is_not_json_is_refused_with_its_position() {
        for bad in [
            "",
            "+1",
            "01",
            "1.",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "\"open",
            "nul",
            "1 2",
            "\"\\x\"",
            "\"\\ud800\"",
            "-",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        assert_eq!(parse("[1, x]").unwrap_err(), ParseError { what: "a JSON value", at: 4 });
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).is_err());
    }
}
