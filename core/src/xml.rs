//! A small, strict, namespace-aware XML reader and a Canonical XML 1.1 (without comments)
//! serialiser, sized for XML-DSig over NVIDIA reference integrity manifests (RIMs).
//!
//! What is accepted:
//! * UTF-8 input only (an optional UTF-8 byte-order mark is skipped), an optional XML
//!   declaration with version 1.0 and encoding UTF-8, comments (dropped), CDATA sections (turned
//!   into text), the five predefined entities and character references.
//!
//! What is refused (an [`XmlError`], never a panic):
//! * a document type declaration (`<!DOCTYPE`), hence entity declarations and external
//!   entities; any processing instruction; references to entities other than the predefined
//!   five; characters XML 1.0 does not allow;
//! * undeclared namespace prefixes, `xmlns:p=""`, misuse of the reserved `xml`/`xmlns`
//!   prefixes, relative namespace URIs (C14N cannot process them), two attributes with the same
//!   expanded name;
//! * inputs larger than [`MAX_INPUT_BYTES`], deeper than [`MAX_DEPTH`], with more than
//!   [`MAX_NODES`] nodes or more than [`MAX_ATTRIBUTES`] attributes on one element.
//!
//! The parser applies the XML 1.0 line-ending normalisation (CR LF and lone CR become LF) to the
//! whole input before tokenising, and attribute-value normalisation for CDATA attributes (every
//! literal tab or line feed becomes a space; character references are kept as written).
//!
//! Canonicalisation ([`canonicalize`], [`canonicalize_subtree`]) follows W3C Canonical XML 1.1
//! (<https://www.w3.org/TR/xml-c14n11/>), without comments: namespace declarations sorted
//! (default first, then by prefix) with superfluous ones omitted, attributes sorted by
//! (namespace URI, local name), empty elements written as start/end tag pairs, and the
//! canonical escaping of text and attribute values. When a subtree is canonicalised as a
//! document subset, every namespace in scope at its apex is rendered on the apex element, and
//! the apex inherits `xml:lang` and `xml:space` from its ancestors (`xml:base` on an omitted
//! ancestor is refused rather than fixed up).

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// Largest document [`parse`] accepts, in bytes. NVIDIA's RIMs are about 20 KiB.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;
/// Deepest element nesting [`parse`] accepts (the root element is depth 1).
pub const MAX_DEPTH: usize = 64;
/// Most nodes (elements and text nodes) one document may hold.
pub const MAX_NODES: usize = 200_000;
/// Most attributes (namespace declarations included) on one element.
pub const MAX_ATTRIBUTES: usize = 256;

/// The namespace URI permanently bound to the `xml` prefix.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace URI of `xmlns` declarations; it may never be declared.
pub const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// Why a document could not be parsed or canonicalised.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The input exceeds one of the size bounds.
    #[error("XML too large: {0}")]
    TooLarge(String),
    /// The input is not well-formed XML 1.0.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// The input uses a construct this reader refuses on purpose (DTD, processing instruction,
    /// non-predefined entity, non-UTF-8 encoding).
    #[error("forbidden XML construct: {0}")]
    Forbidden(String),
    /// The input violates Namespaces in XML 1.0 (undeclared prefix, reserved prefix misuse,
    /// duplicate expanded attribute name, relative namespace URI).
    #[error("XML namespace error: {0}")]
    Namespace(String),
    /// Canonicalisation was asked for something this implementation does not do.
    #[error("unsupported for canonicalisation: {0}")]
    Unsupported(String),
}

/// A namespace declaration exactly as written on an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceDecl {
    /// The declared prefix, or `None` for the default namespace (`xmlns="…"`).
    pub prefix: Option<String>,
    /// The namespace URI; empty only for the default-namespace undeclaration `xmlns=""`.
    pub uri: String,
}

/// An attribute (not a namespace declaration), after entity expansion and normalisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The prefix as written, if any.
    pub prefix: Option<String>,
    /// The local name.
    pub local: String,
    /// The namespace URI the prefix resolves to; `None` for un-prefixed attributes (which are
    /// in no namespace, whatever the default namespace is).
    pub namespace: Option<String>,
    /// The normalised value.
    pub value: String,
}

/// A child node of an element. Comments are dropped while parsing; adjacent character data
/// (text, references and CDATA sections) is merged into one text node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data.
    Text(String),
}

/// An element with its namespace context and children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// The prefix as written, if any.
    pub prefix: Option<String>,
    /// The local name.
    pub local: String,
    /// The resolved namespace URI, `None` when the element is in no namespace.
    pub namespace: Option<String>,
    /// The namespace declarations written on this element, in document order.
    pub namespace_decls: Vec<NamespaceDecl>,
    /// The attributes (namespace declarations excluded), in document order.
    pub attributes: Vec<Attribute>,
    /// The children, in document order.
    pub children: Vec<Node>,
}

/// A parsed document: its root element. Everything outside the root (XML declaration,
/// comments, whitespace) has no canonical form and is not kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The document element.
    pub root: Element,
}

impl Element {
    /// The qualified name as written (`prefix:local` or `local`).
    pub fn qname(&self) -> String {
        qualified(self.prefix.as_deref(), &self.local)
    }

    /// Whether this element has namespace URI `namespace` and local name `local`.
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.local == local && self.namespace.as_deref() == Some(namespace)
    }

    /// The value of the un-prefixed attribute `local` (in no namespace).
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The value of the attribute with namespace URI `namespace` and local name `local`,
    /// whatever prefix the document used for it.
    pub fn attr_ns(&self, namespace: &str, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.as_deref() == Some(namespace) && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The child elements with their indices in [`Element::children`] (the indices make up
    /// the paths [`Document::element_at`] and the canonicalisers take).
    pub fn child_elements(&self) -> impl Iterator<Item = (usize, &Element)> {
        self.children
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match n {
                Node::Element(e) => Some((i, e)),
                Node::Text(_) => None,
            })
    }

    /// The concatenation of this element's direct text children.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// Whether some direct text child holds anything other than XML whitespace.
    pub fn has_non_whitespace_text(&self) -> bool {
        self.children.iter().any(|n| match n {
            Node::Text(t) => !is_xml_whitespace(t),
            Node::Element(_) => false,
        })
    }
}

impl Document {
    /// The element reached from the root by following `path`, a list of indices into
    /// [`Element::children`] (the empty path is the root). `None` if the path leads nowhere
    /// or to a text node.
    pub fn element_at(&self, path: &[usize]) -> Option<&Element> {
        let mut el = &self.root;
        for &i in path {
            match el.children.get(i) {
                Some(Node::Element(child)) => el = child,
                _ => return None,
            }
        }
        Some(el)
    }
}

/// True when `s` holds only XML whitespace (space, tab, CR, LF); true for the empty string.
pub fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn qualified(prefix: Option<&str>, local: &str) -> String {
    match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Parses `input` into a [`Document`], enforcing the rules in the module documentation.
pub fn parse(input: &[u8]) -> Result<Document, XmlError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(XmlError::TooLarge(format!(
            "{} bytes (limit {MAX_INPUT_BYTES})",
            input.len()
        )));
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = std::str::from_utf8(input)
        .map_err(|e| XmlError::Forbidden(format!("input is not UTF-8: {e}")))?;
    if let Some((pos, c)) = text.char_indices().find(|&(_, c)| !is_xml_char(c)) {
        return Err(XmlError::Malformed(format!(
            "character U+{:04X} at byte {pos} is not allowed in XML",
            u32::from(c)
        )));
    }
    let normalized = normalize_line_endings(text);
    Parser::default().run(&normalized)
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn normalize_line_endings(s: &str) -> String {
    if !s.contains('\r') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// An element under construction plus the namespace scope it opened.
/// The namespace bindings in scope during a depth-first walk: per prefix (`""` = the default
/// namespace) a stack of URIs, pushed by an element's declarations and popped when the element
/// closes. Entering and leaving an element costs only its own declarations; a scope map copied
/// per declaring element would make a document of many declaring elements under many
/// inherited bindings quadratic (minutes for a RIM-sized input, before any signature check).
#[derive(Debug, Default)]
struct Namespaces {
    stacks: HashMap<String, Vec<String>>,
}

impl Namespaces {
    /// The URI `prefix` is bound to; for the default namespace an empty URI (or nothing) means
    /// there is none.
    fn get(&self, prefix: &str) -> Option<&str> {
        self.stacks
            .get(prefix)
            .and_then(|s| s.last())
            .map(String::as_str)
    }

    fn push(&mut self, decls: &[NamespaceDecl]) {
        for d in decls {
            self.stacks
                .entry(d.prefix.clone().unwrap_or_default())
                .or_default()
                .push(d.uri.clone());
        }
    }

    fn pop(&mut self, decls: &[NamespaceDecl]) {
        for d in decls {
            if let Some(stack) = self.stacks.get_mut(d.prefix.as_deref().unwrap_or("")) {
                stack.pop();
            }
        }
    }

    /// Every binding in scope (an undeclared default left out), default first, then by prefix:
    /// what the apex of a canonical subtree renders.
    fn in_scope(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = self
            .stacks
            .iter()
            .filter_map(|(p, s)| s.last().map(|u| (p.as_str(), u.as_str())))
            .filter(|(_, u)| !u.is_empty())
            .collect();
        out.sort_unstable();
        out
    }
}

#[derive(Default)]
struct Parser {
    stack: Vec<Element>,
    namespaces: Namespaces,
    root: Option<Element>,
    nodes: usize,
    /// Character data pending for the current element (merged across events).
    pending_text: String,
    seen_event: bool,
}

impl Parser {
    fn run(mut self, text: &str) -> Result<Document, XmlError> {
        let mut reader = Reader::from_str(text);
        {
            let cfg = reader.config_mut();
            cfg.check_end_names = true;
            cfg.check_comments = true;
            cfg.expand_empty_elements = false;
            cfg.allow_dangling_amp = false;
            cfg.allow_unmatched_ends = false;
            cfg.trim_text(false);
        }
        loop {
            let pos = reader.buffer_position();
            let event = reader
                .read_event()
                .map_err(|e| XmlError::Malformed(format!("at byte {pos}: {e}")))?;
            let first = !self.seen_event;
            self.seen_event = true;
            match event {
                Event::Decl(d) => {
                    if !first {
                        return Err(XmlError::Malformed(format!(
                            "XML declaration not at the start (byte {pos})"
                        )));
                    }
                    check_decl(&d)?;
                }
                Event::DocType(_) => {
                    return Err(XmlError::Forbidden(
                        "document type declaration (DOCTYPE)".into(),
                    ));
                }
                Event::PI(_) => {
                    return Err(XmlError::Forbidden(format!(
                        "processing instruction at byte {pos}"
                    )));
                }
                Event::Comment(_) => {}
                Event::Start(s) => self.open(&s, pos)?,
                Event::Empty(s) => {
                    self.open(&s, pos)?;
                    self.close()?;
                }
                Event::End(_) => self.close()?,
                Event::Text(t) => {
                    let raw = std::str::from_utf8(&t)
                        .map_err(|e| XmlError::Malformed(format!("text: {e}")))?;
                    if raw.contains("]]>") {
                        return Err(XmlError::Malformed(format!(
                            "']]>' in character data near byte {pos}"
                        )));
                    }
                    if raw.contains('<') || raw.contains('&') {
                        return Err(XmlError::Malformed(format!(
                            "markup character in character data near byte {pos}"
                        )));
                    }
                    self.text(raw, pos)?;
                }
                Event::CData(c) => {
                    let raw = std::str::from_utf8(&c)
                        .map_err(|e| XmlError::Malformed(format!("CDATA: {e}")))?;
                    if self.stack.is_empty() {
                        return Err(XmlError::Malformed(format!(
                            "CDATA section outside the root element (byte {pos})"
                        )));
                    }
                    self.text(raw, pos)?;
                }
                Event::GeneralRef(r) => {
                    let name = std::str::from_utf8(&r)
                        .map_err(|e| XmlError::Malformed(format!("reference: {e}")))?;
                    if self.stack.is_empty() {
                        return Err(XmlError::Malformed(format!(
                            "reference outside the root element (byte {pos})"
                        )));
                    }
                    let c = resolve_reference(name)?;
                    self.push_text_char(c);
                }
                Event::Eof => break,
            }
        }
        if !self.stack.is_empty() {
            return Err(XmlError::Malformed(format!(
                "unexpected end of input inside <{}>",
                self.stack.last().map(|o| o.qname()).unwrap_or_default()
            )));
        }
        match self.root {
            Some(root) => Ok(Document { root }),
            None => Err(XmlError::Malformed("no root element".into())),
        }
    }

    fn count_node(&mut self) -> Result<(), XmlError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(XmlError::TooLarge(format!("more than {MAX_NODES} nodes")));
        }
        Ok(())
    }

    fn text(&mut self, raw: &str, pos: u64) -> Result<(), XmlError> {
        if self.stack.is_empty() {
            if !is_xml_whitespace(raw) {
                return Err(XmlError::Malformed(format!(
                    "text outside the root element (byte {pos})"
                )));
            }
            return Ok(());
        }
        self.pending_text.push_str(raw);
        Ok(())
    }

    fn push_text_char(&mut self, c: char) {
        self.pending_text.push(c);
    }

    fn flush_text(&mut self) -> Result<(), XmlError> {
        if self.pending_text.is_empty() {
            return Ok(());
        }
        let text = std::mem::take(&mut self.pending_text);
        self.count_node()?;
        if let Some(open) = self.stack.last_mut() {
            open.children.push(Node::Text(text));
        }
        Ok(())
    }

    fn open(&mut self, start: &BytesStart<'_>, pos: u64) -> Result<(), XmlError> {
        self.flush_text()?;
        if self.stack.is_empty() && self.root.is_some() {
            return Err(XmlError::Malformed(format!(
                "second root element at byte {pos}"
            )));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(XmlError::TooLarge(format!(
                "elements nested deeper than {MAX_DEPTH}"
            )));
        }
        self.count_node()?;
        let name = std::str::from_utf8(start.name().as_ref())
            .map_err(|e| XmlError::Malformed(format!("element name: {e}")))?
            .to_string();
        let (prefix, local) = split_qname(&name)?;
        check_attribute_separation(start.attributes_raw())
            .map_err(|e| XmlError::Malformed(format!("<{name}>: {e}")))?;
        let mut namespace_decls = Vec::new();
        let mut raw_attrs: Vec<(Option<String>, String, String)> = Vec::new();
        for attr in start.attributes().with_checks(true) {
            let attr =
                attr.map_err(|e| XmlError::Malformed(format!("attribute of <{name}>: {e}")))?;
            if namespace_decls.len() + raw_attrs.len() >= MAX_ATTRIBUTES {
                return Err(XmlError::TooLarge(format!(
                    "more than {MAX_ATTRIBUTES} attributes on <{name}>"
                )));
            }
            let key = std::str::from_utf8(attr.key.as_ref())
                .map_err(|e| XmlError::Malformed(format!("attribute name: {e}")))?;
            let raw_value = std::str::from_utf8(&attr.value)
                .map_err(|e| XmlError::Malformed(format!("attribute value: {e}")))?;
            let value = normalize_attribute_value(raw_value)
                .map_err(|e| XmlError::Malformed(format!("attribute {key} of <{name}>: {e}")))?;
            let (aprefix, alocal) = split_qname(key)?;
            match (aprefix, alocal) {
                (None, "xmlns") => {
                    if value == XML_NAMESPACE || value == XMLNS_NAMESPACE {
                        return Err(XmlError::Namespace(format!(
                            "the default namespace may not be {value}"
                        )));
                    }
                    check_namespace_uri(&value)?;
                    namespace_decls.push(NamespaceDecl {
                        prefix: None,
                        uri: value,
                    });
                }
                (Some("xmlns"), p) => {
                    if value.is_empty() {
                        return Err(XmlError::Namespace(format!(
                            "prefix '{p}' may not be undeclared (xmlns:{p}=\"\")"
                        )));
                    }
                    if p == "xmlns" {
                        return Err(XmlError::Namespace("the prefix xmlns is reserved".into()));
                    }
                    if (p == "xml") != (value == XML_NAMESPACE) || value == XMLNS_NAMESPACE {
                        return Err(XmlError::Namespace(format!(
                            "prefix '{p}' may not be bound to {value}"
                        )));
                    }
                    check_namespace_uri(&value)?;
                    namespace_decls.push(NamespaceDecl {
                        prefix: Some(p.to_string()),
                        uri: value,
                    });
                }
                (p, l) => raw_attrs.push((p.map(str::to_string), l.to_string(), value)),
            }
        }
        // In scope from here until the element closes (popped in `close`).
        self.namespaces.push(&namespace_decls);
        let scope = &self.namespaces;
        let namespace = resolve(scope, prefix, true)?;
        let mut attributes: Vec<Attribute> = Vec::with_capacity(raw_attrs.len());
        for (p, l, value) in raw_attrs {
            let ns = match &p {
                Some(p) => resolve(scope, Some(p), false)?,
                None => None,
            };
            if attributes.iter().any(|a| a.local == l && a.namespace == ns) {
                return Err(XmlError::Namespace(format!(
                    "two attributes with expanded name {{{}}}{l} on <{name}>",
                    ns.as_deref().unwrap_or("")
                )));
            }
            attributes.push(Attribute {
                prefix: p,
                local: l,
                namespace: ns,
                value,
            });
        }
        let element = Element {
            prefix: prefix.map(str::to_string),
            local: local.to_string(),
            namespace,
            namespace_decls,
            attributes,
            children: Vec::new(),
        };
        self.stack.push(element);
        Ok(())
    }

    fn close(&mut self) -> Result<(), XmlError> {
        self.flush_text()?;
        let element = self
            .stack
            .pop()
            .ok_or_else(|| XmlError::Malformed("end tag without a start tag".into()))?;
        self.namespaces.pop(&element.namespace_decls);
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(Node::Element(element)),
            None => self.root = Some(element),
        }
        Ok(())
    }
}

fn check_decl(d: &quick_xml::events::BytesDecl<'_>) -> Result<(), XmlError> {
    let version = d
        .version()
        .map_err(|e| XmlError::Malformed(format!("XML declaration: {e}")))?;
    if version.as_ref() != b"1.0" {
        return Err(XmlError::Forbidden(format!(
            "XML version {}",
            String::from_utf8_lossy(&version)
        )));
    }
    if let Some(enc) = d.encoding() {
        let enc = enc.map_err(|e| XmlError::Malformed(format!("XML declaration: {e}")))?;
        if !enc.eq_ignore_ascii_case(b"UTF-8") {
            return Err(XmlError::Forbidden(format!(
                "encoding {} (only UTF-8 is accepted)",
                String::from_utf8_lossy(&enc)
            )));
        }
    }
    Ok(())
}

/// XML 1.0 requires white space between attributes; quick-xml does not check it.
fn check_attribute_separation(raw: &[u8]) -> Result<(), String> {
    let mut quote: Option<u8> = None;
    let mut just_closed = false;
    for &b in raw {
        if just_closed && !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            return Err("attributes must be separated by white space".into());
        }
        just_closed = false;
        match quote {
            Some(q) if b == q => {
                quote = None;
                just_closed = true;
            }
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None => {}
        }
    }
    Ok(())
}

/// Resolves `prefix` in `scope`. Elements without a prefix take the default namespace;
/// un-prefixed attributes are handled by the caller.
fn resolve(
    scope: &Namespaces,
    prefix: Option<&str>,
    element: bool,
) -> Result<Option<String>, XmlError> {
    match prefix {
        None if element => Ok(scope.get("").filter(|u| !u.is_empty()).map(str::to_string)),
        None => Ok(None),
        Some("xml") => Ok(Some(XML_NAMESPACE.to_string())),
        Some("xmlns") => Err(XmlError::Namespace(
            "the prefix xmlns may not be used on elements or attributes".into(),
        )),
        Some(p) => scope
            .get(p)
            .map(|u| Some(u.to_string()))
            .ok_or_else(|| XmlError::Namespace(format!("undeclared prefix '{p}'"))),
    }
}

fn check_namespace_uri(uri: &str) -> Result<(), XmlError> {
    if uri.is_empty() {
        return Ok(());
    }
    // An absolute URI starts with a scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
    let scheme_ok = uri.split_once(':').is_some_and(|(scheme, _)| {
        let mut b = scheme.bytes();
        b.next().is_some_and(|c| c.is_ascii_alphabetic())
            && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    });
    if !scheme_ok {
        return Err(XmlError::Namespace(format!(
            "relative namespace URI '{uri}' (Canonical XML cannot process it)"
        )));
    }
    Ok(())
}

fn split_qname(name: &str) -> Result<(Option<&str>, &str), XmlError> {
    let (prefix, local) = match name.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, name),
    };
    if prefix.is_some_and(|p| !is_ncname(p)) || !is_ncname(local) {
        return Err(XmlError::Malformed(format!("invalid name '{name}'")));
    }
    Ok((prefix, local))
}

/// A conservative NCName check: exact for ASCII, permissive for non-ASCII letters.
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let start_ok = first.is_ascii_alphabetic() || first == '_' || !first.is_ascii();
    start_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') || !c.is_ascii())
}

/// Expands `&name;` (predefined entities and character references only).
fn resolve_reference(name: &str) -> Result<char, XmlError> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let Some(num) = name.strip_prefix('#') else {
                return Err(XmlError::Forbidden(format!(
                    "reference to undeclared entity '&{name};'"
                )));
            };
            let code = match num.strip_prefix('x') {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()
                }
                None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => {
                    num.parse::<u32>().ok()
                }
                _ => None,
            };
            code.and_then(char::from_u32)
                .filter(|&c| is_xml_char(c))
                .ok_or_else(|| {
                    XmlError::Malformed(format!("invalid character reference '&{name};'"))
                })?
        }
    };
    Ok(c)
}

/// Attribute-value normalisation for CDATA attributes (XML 1.0 §3.3.3): references are
/// expanded, and each literal whitespace character becomes a space. Line endings were already
/// normalised for the whole input.
fn normalize_attribute_value(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '<', '\t', '\n', '\r']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with('<') {
            return Err("'<' in an attribute value".into());
        }
        if let Some(after) = tail.strip_prefix('&') {
            let end = after
                .find(';')
                .ok_or_else(|| "unterminated reference".to_string())?;
            let c = resolve_reference(&after[..end]).map_err(|e| e.to_string())?;
            out.push(c);
            rest = &after[end + 1..];
        } else {
            out.push(' ');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Canonical XML 1.1 (without comments)
// ---------------------------------------------------------------------------------------------

/// Canonical XML 1.1 (without comments) of the whole document, with the element at `omit`
/// (a path as in [`Document::element_at`]) and its subtree left out. This is the XML-DSig
/// enveloped-signature transform followed by C14N 1.1 when `omit` is the signature element.
///
/// `omit` must lead to an element below the root; `None` canonicalises the whole document.
pub fn canonicalize(doc: &Document, omit: Option<&[usize]>) -> Result<Vec<u8>, XmlError> {
    if let Some(path) = omit {
        if path.is_empty() {
            return Err(XmlError::Unsupported(
                "omitting the root element leaves nothing".into(),
            ));
        }
        if doc.element_at(path).is_none() {
            return Err(XmlError::Unsupported(
                "the path to omit does not lead to an element".into(),
            ));
        }
    }
    let mut out = String::new();
    // The root is the apex of a whole document: nothing is in scope above it.
    write_element(
        &mut out,
        &doc.root,
        &mut Namespaces::default(),
        true,
        &[],
        omit,
    );
    Ok(out.into_bytes())
}

/// Canonical XML 1.1 (without comments) of the subtree at `apex` (a path as in
/// [`Document::element_at`]) as a document subset: the apex element carries every namespace
/// declaration in scope at that point of the document (including those inherited from
/// ancestors), and inherits `xml:lang` and `xml:space` from its nearest ancestors that have
/// them. This is how XML-DSig canonicalises `SignedInfo`.
///
/// Refuses an ancestor carrying `xml:base` (C14N 1.1 would require URI fix-up).
pub fn canonicalize_subtree(doc: &Document, apex: &[usize]) -> Result<Vec<u8>, XmlError> {
    let mut scope = Namespaces::default();
    let mut inherited: Vec<Attribute> = Vec::new();
    let mut el = &doc.root;
    for &i in apex {
        scope.push(&el.namespace_decls);
        for a in &el.attributes {
            if a.namespace.as_deref() == Some(XML_NAMESPACE) {
                match a.local.as_str() {
                    "lang" | "space" => {
                        inherited.retain(|x| x.local != a.local);
                        inherited.push(a.clone());
                    }
                    "base" => {
                        return Err(XmlError::Unsupported(
                            "xml:base on an ancestor of the apex".into(),
                        ));
                    }
                    _ => {}
                }
            }
        }
        el = match el.children.get(i) {
            Some(Node::Element(child)) => child,
            _ => {
                return Err(XmlError::Unsupported(
                    "the apex path does not lead to an element".into(),
                ));
            }
        };
    }
    inherited.retain(|x| {
        !el.attributes
            .iter()
            .any(|a| a.namespace.as_deref() == Some(XML_NAMESPACE) && a.local == x.local)
    });
    let mut out = String::new();
    write_element(&mut out, el, &mut scope, true, &inherited, None);
    Ok(out.into_bytes())
}

/// One namespace declaration in canonical form (`prefix` "" = the default namespace; an empty
/// URI only for the default, as `xmlns=""`).
fn write_decl(out: &mut String, prefix: &str, uri: &str) {
    if prefix.is_empty() {
        out.push_str(" xmlns=\"");
    } else {
        out.push_str(" xmlns:");
        out.push_str(prefix);
        out.push_str("=\"");
    }
    escape_attr(out, uri);
    out.push('"');
}

/// Writes `el` canonically. `scope` holds the bindings in scope at the parent in the input
/// document (`el`'s own declarations are pushed here and popped before returning). At the apex
/// nothing has been rendered yet, so every binding in scope is rendered; below it the nearest
/// output ancestor is always the parent (only whole subtrees are ever omitted), so only this
/// element's declarations that differ from the parent's bindings are rendered — work
/// proportional to the element's own declarations. `extra_attrs` are inherited `xml:*`
/// attributes (apex only).
fn write_element(
    out: &mut String,
    el: &Element,
    scope: &mut Namespaces,
    apex: bool,
    extra_attrs: &[Attribute],
    omit: Option<&[usize]>,
) {
    let qname = el.qname();
    out.push('<');
    out.push_str(&qname);
    if apex {
        scope.push(&el.namespace_decls);
        for (prefix, uri) in scope.in_scope() {
            if prefix != "xml" {
                write_decl(out, prefix, uri);
            }
        }
    } else if !el.namespace_decls.is_empty() {
        // C14N order: the default namespace first, then by prefix.
        let mut decls: Vec<(&str, &str)> = el
            .namespace_decls
            .iter()
            .map(|d| (d.prefix.as_deref().unwrap_or(""), d.uri.as_str()))
            .collect();
        decls.sort_unstable();
        for (prefix, uri) in decls {
            // Superfluous when the parent has the same binding (for the default namespace,
            // `xmlns=""` is superfluous when the parent has none).
            if prefix != "xml" && scope.get(prefix).unwrap_or("") != uri {
                write_decl(out, prefix, uri);
            }
        }
        scope.push(&el.namespace_decls);
    }
    let mut attrs: Vec<&Attribute> = el.attributes.iter().chain(extra_attrs.iter()).collect();
    attrs.sort_by(|a, b| {
        let ka = (a.namespace.as_deref().unwrap_or(""), a.local.as_str());
        let kb = (b.namespace.as_deref().unwrap_or(""), b.local.as_str());
        ka.cmp(&kb)
    });
    for a in attrs {
        out.push(' ');
        out.push_str(&qualified(a.prefix.as_deref(), &a.local));
        out.push_str("=\"");
        escape_attr(out, &a.value);
        out.push('"');
    }
    out.push('>');
    for (i, child) in el.children.iter().enumerate() {
        match child {
            Node::Text(t) => escape_text(out, t),
            Node::Element(c) => {
                let child_omit = match omit {
                    Some([first, rest @ ..]) if *first == i => {
                        if rest.is_empty() {
                            continue;
                        }
                        Some(rest)
                    }
                    _ => None,
                };
                write_element(out, c, scope, false, &[], child_omit);
            }
        }
    }
    out.push_str("</");
    out.push_str(&qname);
    out.push('>');
    scope.pop(&el.namespace_decls);
}

fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

fn escape_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(s: &str) -> String {
        String::from_utf8(canonicalize(&parse(s.as_bytes()).unwrap(), None).unwrap()).unwrap()
    }

    #[test]
    fn c14n_basics() {
        // Declaration, comments and whitespace outside the root are dropped; empty element
        // expanded; attributes sorted; superfluous redeclaration omitted.
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n\
                   <doc xmlns=\"http://e/\" xmlns:a=\"http://a/\" z=\"1\" a:y=\"2\" b=\"3\">\
                   <e xmlns:a=\"http://a/\" xmlns:b=\"http://b/\"/><!-- x -->t</doc>\n<!-- d -->";
        assert_eq!(
            c14n(doc),
            "<doc xmlns=\"http://e/\" xmlns:a=\"http://a/\" b=\"3\" z=\"1\" a:y=\"2\">\
             <e xmlns:b=\"http://b/\"></e>t</doc>"
        );
    }

    #[test]
    fn c14n_spec_example_3_2_escaping() {
        // From the C14N 1.0 spec, example 3.4 (character modifications), reduced to the
        // constructs without a DTD.
        let doc = "<doc>\n   <text>First line&#x0d;&#10;Second line</text>\n   \
                   <value>&#x32;</value>\n   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   \
                   <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>\n   \
                   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n</doc>";
        assert_eq!(
            c14n(doc),
            "<doc>\n   <text>First line&#xD;\nSecond line</text>\n   <value>2</value>\n   \
             <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>\n   \
             <compute expr=\"value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;\">valid</compute>\n   \
             <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>\n</doc>"
        );
    }

    #[test]
    fn line_endings_and_attribute_whitespace() {
        assert_eq!(
            c14n("<a b=\"x\r\ny\tz\">1\r\n2\r3</a>"),
            "<a b=\"x y z\">1\n2\n3</a>"
        );
    }

    #[test]
    fn default_namespace_undeclaration() {
        assert_eq!(
            c14n("<a xmlns=\"http://x/\"><b xmlns=\"\"><c xmlns=\"\"/></b></a>"),
            "<a xmlns=\"http://x/\"><b xmlns=\"\"><c></c></b></a>"
        );
        // xmlns="" on an element whose parent has no default namespace is superfluous.
        assert_eq!(c14n("<a><b xmlns=\"\"/></a>"), "<a><b></b></a>");
    }

    #[test]
    fn subtree_renders_inherited_namespaces() {
        let doc = parse(
            b"<r xmlns=\"http://d/\" xmlns:n=\"http://n/\" xml:lang=\"en\">\
              <s xmlns:ds=\"http://ds/\"><ds:i a=\"1\"><ds:j/></ds:i></s></r>",
        )
        .unwrap();
        let got = String::from_utf8(canonicalize_subtree(&doc, &[0, 0]).unwrap()).unwrap();
        assert_eq!(
            got,
            "<ds:i xmlns=\"http://d/\" xmlns:ds=\"http://ds/\" xmlns:n=\"http://n/\" a=\"1\" \
             xml:lang=\"en\"><ds:j></ds:j></ds:i>"
        );
        // Omitting the subtree from the whole document.
        let got = String::from_utf8(canonicalize(&doc, Some(&[0, 0])).unwrap()).unwrap();
        assert_eq!(
            got,
            "<r xmlns=\"http://d/\" xmlns:n=\"http://n/\" xml:lang=\"en\">\
             <s xmlns:ds=\"http://ds/\"></s></r>"
        );
        assert!(canonicalize(&doc, Some(&[])).is_err());
        assert!(canonicalize(&doc, Some(&[5])).is_err());
        assert!(canonicalize_subtree(&doc, &[9]).is_err());
    }

    #[test]
    fn attribute_sort_uses_namespace_uri_not_prefix() {
        assert_eq!(
            c14n("<a xmlns:z=\"http://a/\" xmlns:b=\"http://z/\" b:x=\"1\" z:x=\"2\" y=\"3\"/>"),
            "<a xmlns:b=\"http://z/\" xmlns:z=\"http://a/\" y=\"3\" z:x=\"2\" b:x=\"1\"></a>"
        );
    }

    #[test]
    fn refusals() {
        let bad: &[&[u8]] = &[
            b"",
            b"   ",
            b"<a>",
            b"<a></b>",
            b"<a/><b/>",
            b"text<a/>",
            b"<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
            b"<?pi x?><a/>",
            b"<a><?pi x?></a>",
            b"<a>&unknown;</a>",
            b"<a>&#0;</a>",
            b"<a>&#xD800;</a>",
            b"<a>\x01</a>",
            b"<a>\xff</a>",
            b"<p:a/>",
            b"<a p:b=\"1\"/>",
            b"<a xmlns:p=\"\"/>",
            b"<a xmlns:p=\"rel\"/>",
            b"<a xmlns:xml=\"http://x/\"/>",
            b"<a xmlns:p=\"http://p/\" xmlns:q=\"http://p/\" p:x=\"1\" q:x=\"2\"/>",
            b"<a b=\"1\" b=\"2\"/>",
            b"<a b=\"<\"/>",
            b"<a b=\"&\"/>",
            b"<a>]]></a>",
            b"<a><!-- -- --></a>",
            b"<?xml version=\"1.1\"?><a/>",
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>",
            b"<a/><?xml version=\"1.0\"?>",
            b"<1a/>",
            b"<a:b:c xmlns:a=\"http://a/\"/>",
            b"<a b=1/>",
            b"<a b=\"1\"c=\"2\"/>",
            b"<a b='1'c='2'></a>",
            b"<a b/>",
            b"<a><!ENTITY e \"x\"></a>",
            b"<a></a >x",
            b"<a xmlns:xmlns=\"http://x/\"/>",
            b"<xmlns:a/>",
            b"<a xmlns=\"http://www.w3.org/2000/xmlns/\"/>",
        ];
        for b in bad {
            assert!(
                parse(b).is_err(),
                "{:?} should fail",
                String::from_utf8_lossy(b)
            );
        }
        assert!(parse(b"<a\tb='1'\nc=\"2\"\r\n/>").is_ok());
        assert!(parse(b"<a b=\"'\" c='\"'/>").is_ok());
        // But the xml prefix needs no declaration and may be declared correctly.
        assert!(
            parse(b"<a xml:lang=\"en\" xmlns:xml=\"http://www.w3.org/XML/1998/namespace\"/>")
                .is_ok()
        );
    }

    #[test]
    fn xml_namespace_declaration_is_never_rendered() {
        assert_eq!(
            c14n("<a xmlns:xml=\"http://www.w3.org/XML/1998/namespace\" xml:space=\"preserve\"/>"),
            "<a xml:space=\"preserve\"></a>"
        );
    }

    #[test]
    fn bounds() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(parse(deep.as_bytes()), Err(XmlError::TooLarge(_))));
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
        let big = vec![b' '; MAX_INPUT_BYTES + 1];
        assert!(matches!(parse(&big), Err(XmlError::TooLarge(_))));
        let mut many = String::from("<a");
        for i in 0..=MAX_ATTRIBUTES {
            many.push_str(&format!(" a{i}=\"\""));
        }
        many.push_str("/>");
        assert!(matches!(parse(many.as_bytes()), Err(XmlError::TooLarge(_))));
    }

    #[test]
    fn many_namespaces_and_elements_stay_linear() {
        let mut doc = String::from("<r");
        for i in 0..250 {
            doc.push_str(&format!(" xmlns:p{i}=\"http://example/{i}\""));
        }
        doc.push('>');
        for _ in 0..50_000 {
            doc.push_str("<p7:e/>");
        }
        doc.push_str("</r>");
        let t = std::time::Instant::now();
        let parsed = parse(doc.as_bytes()).unwrap();
        let c = canonicalize(&parsed, None).unwrap();
        assert_eq!(c.len(), doc.len() + 50_000 * 6);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            t.elapsed()
        );
    }

    /// Cheap deterministic fuzzing: truncations and byte mutations of a namespaced document
    /// must never panic, and whatever parses must canonicalise.
    #[test]
    fn mutations_never_panic() {
        let base: &[u8] =
            b"<?xml version=\"1.0\"?><r xmlns=\"http://d/\" xmlns:n=\"http://n/\" a=\"&amp;x\">\
            <n:e n:k=\"v\"><![CDATA[c<d]]>&#x41;<f/></n:e><!--c--><g xml:lang=\"de\">t&lt;</g></r>";
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let check = |b: &[u8]| {
            if let Ok(doc) = parse(b) {
                canonicalize(&doc, None).unwrap();
                canonicalize_subtree(&doc, &[]).unwrap();
            }
        };
        for n in 0..base.len() {
            check(&base[..n]);
        }
        let alphabet = b"<>&;:\"'=/!?[]-x \n\r\t\x00\xc3\xa9#";
        for _ in 0..20_000 {
            let mut m = base.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let pos = (next() as usize) % m.len();
                let c = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 => m[pos] = c,
                    1 => m.insert(pos, c),
                    _ => {
                        m.remove(pos);
                    }
                }
                if m.is_empty() {
                    break;
                }
            }
            check(&m);
        }
        assert!(canonicalize(&parse(base).unwrap(), None).is_ok());
    }
}

/// The shape that made namespace scoping quadratic: many declaring elements under many
/// inherited bindings, at the input and node limits. Each leaf used to copy the whole inherited
/// map (about 16 000 bindings) — minutes of work, on bytes parsed before any signature check;
/// with a scope stack each element costs its own declarations.
#[cfg(test)]
mod scoping {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn nested_prefix_declarations_at_the_limits_stay_linear() {
        let depth = MAX_DEPTH - 1;
        let mut doc = String::new();
        for d in 0..depth {
            doc.push_str("<e");
            for k in 0..MAX_ATTRIBUTES - 1 {
                let _ = write!(doc, " xmlns:p{d}x{k}=\"u:{k}\"");
            }
            doc.push('>');
        }
        let leaf = "<l xmlns:q=\"u:q\"/>";
        let room = MAX_INPUT_BYTES - doc.len() - depth * "</e>".len();
        let leaves = (room / leaf.len()).min(MAX_NODES - depth);
        for _ in 0..leaves {
            doc.push_str(leaf);
        }
        for _ in 0..depth {
            doc.push_str("</e>");
        }
        assert!(doc.len() <= MAX_INPUT_BYTES && doc.len() > MAX_INPUT_BYTES / 2);
        let parsed = parse(doc.as_bytes()).unwrap();
        let mut deepest = &parsed.root;
        while let Some(Node::Element(child)) = deepest.children.first() {
            deepest = child;
        }
        assert_eq!(deepest.namespace_decls.len(), 1);
        let c14n = canonicalize(&parsed, None).unwrap();
        // Every leaf renders its own declaration (it differs from the parent's bindings).
        let text = String::from_utf8(c14n).unwrap();
        assert_eq!(text.matches("<l xmlns:q=\"u:q\"></l>").count(), leaves);
        // A canonical subtree at the deepest level renders every binding in scope, once.
        let mut path = vec![0usize; depth];
        path.push(0);
        let subtree = canonicalize_subtree(&parsed, &path[..depth]).unwrap();
        assert_eq!(
            String::from_utf8(subtree)
                .unwrap()
                .matches(" xmlns:p")
                .count(),
            depth * (MAX_ATTRIBUTES - 1)
        );
    }
}
