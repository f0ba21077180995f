/// ASCII bytes by name: `UInt8(ascii:)` is a checked call in debug builds,
/// and the extraction runs in debug builds (the tests).
extension UInt8 {
    static var exclamation: UInt8 { 0x21 }  // !
    static var quote: UInt8 { 0x22 }  // "
    static var numberSign: UInt8 { 0x23 }  // #
    static var dollar: UInt8 { 0x24 }  // $
    static var ampersand: UInt8 { 0x26 }  // &
    static var apostrophe: UInt8 { 0x27 }  // '
    static var openParen: UInt8 { 0x28 }  // (
    static var closeParen: UInt8 { 0x29 }  // )
    static var star: UInt8 { 0x2A }  // *
    static var plus: UInt8 { 0x2B }  // +
    static var comma: UInt8 { 0x2C }  // ,
    static var minus: UInt8 { 0x2D }  // -
    static var dot: UInt8 { 0x2E }  // .
    static var slash: UInt8 { 0x2F }  // /
    static var colon: UInt8 { 0x3A }  // :
    static var semicolon: UInt8 { 0x3B }  // ;
    static var less: UInt8 { 0x3C }  // <
    static var equals: UInt8 { 0x3D }  // =
    static var greater: UInt8 { 0x3E }  // >
    static var question: UInt8 { 0x3F }  // ?
    static var at: UInt8 { 0x40 }  // @
    static var upperA: UInt8 { 0x41 }  // A
    static var upperZ: UInt8 { 0x5A }  // Z
    static var openBracket: UInt8 { 0x5B }  // [
    static var backslash: UInt8 { 0x5C }  // \\
    static var closeBracket: UInt8 { 0x5D }  // ]
    static var caret: UInt8 { 0x5E }  // ^
    static var underscore: UInt8 { 0x5F }  // _
    static var backquote: UInt8 { 0x60 }  // `
    static var openBrace: UInt8 { 0x7B }  // {
    static var bar: UInt8 { 0x7C }  // |
    static var closeBrace: UInt8 { 0x7D }  // }
    static var tilde: UInt8 { 0x7E }  // ~
}
