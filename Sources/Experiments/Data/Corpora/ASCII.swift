/// ASCII bytes by name: `UInt8(ascii:)` is a checked call in debug builds,
/// and the extraction runs in debug builds (the tests).
extension UInt8 {
    package static var exclamation: UInt8 { 0x21 }  // !
    package static var quote: UInt8 { 0x22 }  // "
    package static var numberSign: UInt8 { 0x23 }  // #
    package static var dollar: UInt8 { 0x24 }  // $
    package static var ampersand: UInt8 { 0x26 }  // &
    package static var apostrophe: UInt8 { 0x27 }  // '
    package static var openParen: UInt8 { 0x28 }  // (
    package static var closeParen: UInt8 { 0x29 }  // )
    package static var star: UInt8 { 0x2A }  // *
    package static var plus: UInt8 { 0x2B }  // +
    package static var comma: UInt8 { 0x2C }  // ,
    package static var minus: UInt8 { 0x2D }  // -
    package static var dot: UInt8 { 0x2E }  // .
    package static var slash: UInt8 { 0x2F }  // /
    package static var colon: UInt8 { 0x3A }  // :
    package static var semicolon: UInt8 { 0x3B }  // ;
    package static var less: UInt8 { 0x3C }  // <
    package static var equals: UInt8 { 0x3D }  // =
    package static var greater: UInt8 { 0x3E }  // >
    package static var question: UInt8 { 0x3F }  // ?
    package static var at: UInt8 { 0x40 }  // @
    package static var upperA: UInt8 { 0x41 }  // A
    package static var upperZ: UInt8 { 0x5A }  // Z
    package static var openBracket: UInt8 { 0x5B }  // [
    package static var backslash: UInt8 { 0x5C }  // \\
    package static var closeBracket: UInt8 { 0x5D }  // ]
    package static var caret: UInt8 { 0x5E }  // ^
    package static var underscore: UInt8 { 0x5F }  // _
    package static var backquote: UInt8 { 0x60 }  // `
    package static var openBrace: UInt8 { 0x7B }  // {
    package static var bar: UInt8 { 0x7C }  // |
    package static var closeBrace: UInt8 { 0x7D }  // }
    package static var tilde: UInt8 { 0x7E }  // ~
}
