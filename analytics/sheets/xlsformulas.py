"""Which other sheets a legacy .xls formula takes values from: its BIFF8 tokens (reverse Polish order, [MS-XLS]
2.5.198) evaluated on a stack of the 3D references each value holds, so that the range a lookup searches
(VLOOKUP(C2,分值表!A:B,2,0)) is told from a value copied from another sheet, the mark of a summary
(analytics.sheets.formulas, whose rule this follows). The records that hold the tokens are read by
analytics.sheets.xlsrecords; the tokens are hostile bytes, and every length is checked before it is used."""

from __future__ import annotations

import re
import struct

# The number of arguments of each fixed-argument function (ptgFunc) by its number (iftab): only these are stored
# without a count. From the function table of BIFF8 ([MS-XLS] 2.5.198.17, Ftab).
_ARITY = {
    **dict.fromkeys((10, 19, 34, 35, 63, 74, 221), 0),
    **dict.fromkeys(
        (2, 3, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 32, 33, 38, 67, 68, 69, 71, 72, 73, 75, 76, 77, 83, 86, 98)
        + (99, 105, 111, 112, 113, 114, 118, 121, 126, 127, 128, 129, 130, 131, 140, 141, 162, 163, 164, 184, 190)
        + (198, 211, 214, 215, 229, 230, 231, 232, 233, 234, 244, 261, 271, 279, 283, 284, 294, 296, 298, 342, 343)
        + (347, 360, 368),
        1,
    ),
    **dict.fromkeys(
        (27, 30, 39, 48, 97, 117, 165, 212, 213, 252, 274, 275, 276, 285, 288, 299, 303, 304, 305, 306, 307, 308)
        + (310, 311, 312, 313, 314, 315, 325, 326, 327, 328, 331, 332, 337, 346),
        2,
    ),
    **dict.fromkeys(
        (31, 40, 41, 42, 43, 44, 45, 47, 61, 65, 66, 142, 189, 195, 196, 199, 210, 235, 277, 278, 280, 281, 282, 287)
        + (290, 291, 292, 295, 297, 300, 301, 309, 351),
        3,
    ),
    **dict.fromkeys((119, 143, 207, 273, 286, 289, 293, 302, 316, 350), 4),
}
# The arguments (from 0) that are the range a lookup searches, by function number: LOOKUP 28, INDEX 29, MATCH 64,
# HLOOKUP 101, VLOOKUP 102 (analytics.sheets.formulas.LOOKUP_RANGES).
_LOOKUP_RANGES = {
    28: frozenset({1, 2}),
    29: frozenset({0}),
    64: frozenset({1}),
    101: frozenset({1}),
    102: frozenset({1}),
}
# Bytes after the token of each operand and operator (the class bits of an operand, 0x20/0x40/0x60, taken off).
_OPERANDS = {0x20: 7, 0x23: 4, 0x24: 4, 0x25: 8, 0x2A: 4, 0x2B: 8, 0x2C: 4, 0x2D: 8, 0x39: 6}
_REFS_3D = {0x3A: 6, 0x3B: 10, 0x3C: 6, 0x3D: 10}  # another sheet's cell or range; the first two bytes its ixti
_MEM = {0x26: 6, 0x27: 6, 0x28: 6, 0x29: 2}  # marks before a subexpression, which gives the value itself
_CONSTANTS = {0x16: 0, 0x1C: 1, 0x1D: 1, 0x1E: 2, 0x1F: 8}  # missing argument, error, bool, integer, number

# A byte of a 3D reference's token, in any of its classes: most formulas (over their own sheet) hold none and are not
# read token by token.
MAY_REFER = re.compile(rb"[\x3a-\x3d\x5a-\x5d\x7a-\x7d]")


def references(tokens: bytes) -> set[int]:
    """The EXTERNSHEET numbers (ixti) of the 3D references of a BIFF8 formula's tokens, but for those that are the
    range a lookup searches (_LOOKUP_RANGES): the tokens are evaluated on a stack of the references each value holds.
    A token not known, or a stack that does not add up, ends the reading: the references read so far count, lookups
    or not."""
    stack: list[set[int]] = []
    seen: set[int] = set()
    at, end = 0, len(tokens)
    while at < end:
        token = tokens[at]
        base = (token & 0x1F) | 0x20 if token >= 0x20 else token
        at += 1
        if 0x03 <= base <= 0x11:  # a binary operator (+, &, =, the range and union operators…)
            if len(stack) < 2:
                return seen
            stack.append(stack.pop() | stack.pop())
        elif 0x12 <= base <= 0x15:  # unary +, -, %, and parentheses
            if base != 0x15 and not stack:
                return seen
        elif base in _CONSTANTS:
            at += _CONSTANTS[base]
            stack.append(set())
        elif base == 0x17:  # a text: its length in characters, a flags byte (bit 0: two bytes a character)
            if at + 2 > end:
                return seen
            at += 2 + tokens[at] * (2 if tokens[at + 1] & 0x01 else 1)
            stack.append(set())
        elif base == 0x19:  # an attribute: IF, CHOOSE and GOTO jumps and spaces, or SUM of one argument
            if at + 3 > end:
                return seen
            flags, count = tokens[at], struct.unpack_from("<H", tokens, at + 1)[0]
            at += 3 + (2 * (count + 1) if flags & 0x04 else 0)
            if flags & 0x10 and not stack:
                return seen
        elif base in _REFS_3D:
            if at + 2 > end:
                return seen
            ixti = struct.unpack_from("<H", tokens, at)[0]
            at += _REFS_3D[base]
            seen.add(ixti)
            stack.append({ixti})
        elif base in _OPERANDS:
            at += _OPERANDS[base]
            stack.append(set())
        elif base in _MEM:
            at += _MEM[base]
        elif base in (0x21, 0x22):  # a function: of fixed arguments, or with their count first
            if at + (2 if base == 0x21 else 3) > end:
                return seen
            if base == 0x21:
                number = struct.unpack_from("<H", tokens, at)[0]
                arguments = _ARITY.get(number)
                at += 2
            else:
                arguments, number = tokens[at] & 0x7F, struct.unpack_from("<H", tokens, at + 1)[0] & 0x7FFF
                at += 3
            if arguments is None or len(stack) < arguments:
                return seen
            taken = stack[len(stack) - arguments :]
            del stack[len(stack) - arguments :]
            ranges = _LOOKUP_RANGES.get(number, frozenset())
            stack.append(set().union(*(refs for n, refs in enumerate(taken) if n not in ranges)))
        else:  # ptgExp and ptgTbl (the tokens are in a SHRFMLA or ARRAY record), ptgExtend, or not a token
            return seen
    return set().union(*stack)
