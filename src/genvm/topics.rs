//! Every event's topic 0 (Keccak-256 of `Name()`), computed when the contract is compiled: hashing
//! in wasm costs about as much as the rest of a bill's event, and the names are all known.

use crate::events::EVENTS;

const ROUND_CONSTANTS: [u64; 24] = [
    0x0000000000000001,
    0x0000000000008082,
    0x800000000000808a,
    0x8000000080008000,
    0x000000000000808b,
    0x0000000080000001,
    0x8000000080008081,
    0x8000000000008009,
    0x000000000000008a,
    0x0000000000000088,
    0x0000000080008009,
    0x000000008000000a,
    0x000000008000808b,
    0x800000000000008b,
    0x8000000000008089,
    0x8000000000008003,
    0x8000000000008002,
    0x8000000000000080,
    0x000000000000800a,
    0x800000008000000a,
    0x8000000080008081,
    0x8000000000008080,
    0x0000000080000001,
    0x8000000080008008,
];
const ROTATIONS: [u32; 24] =
    [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44];
const PI_LANES: [usize; 24] =
    [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1];
/// Keccak-256 absorbs 136 bytes a block.
const RATE: usize = 136;

/// Keccak-f[1600].
const fn permute(mut state: [u64; 25]) -> [u64; 25] {
    let mut round = 0;
    while round < 24 {
        let mut columns = [0u64; 5];
        let mut x = 0;
        while x < 5 {
            columns[x] = state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20];
            x += 1;
        }
        x = 0;
        while x < 5 {
            let theta = columns[(x + 4) % 5] ^ columns[(x + 1) % 5].rotate_left(1);
            let mut y = 0;
            while y < 25 {
                state[y + x] ^= theta;
                y += 5;
            }
            x += 1;
        }
        let mut carried = state[1];
        let mut i = 0;
        while i < 24 {
            let lane = PI_LANES[i];
            let next = state[lane];
            state[lane] = carried.rotate_left(ROTATIONS[i]);
            carried = next;
            i += 1;
        }
        let mut y = 0;
        while y < 25 {
            let mut row = [0u64; 5];
            x = 0;
            while x < 5 {
                row[x] = state[y + x];
                x += 1;
            }
            x = 0;
            while x < 5 {
                state[y + x] ^= !row[(x + 1) % 5] & row[(x + 2) % 5];
                x += 1;
            }
            y += 5;
        }
        state[0] ^= ROUND_CONSTANTS[round];
        round += 1;
    }
    state
}

/// Keccak-256 of `name ‖ "()"` (names are far shorter than one block).
const fn topic(name: &str) -> [u8; 32] {
    let name = name.as_bytes();
    let mut block = [0u8; RATE];
    let mut i = 0;
    while i < name.len() {
        block[i] = name[i];
        i += 1;
    }
    block[i] = b'(';
    block[i + 1] = b')';
    // Keccak's own padding (not SHA3's): 0x01 after the message, 0x80 at the block's end.
    block[i + 2] ^= 0x01;
    block[RATE - 1] ^= 0x80;
    let mut state = [0u64; 25];
    let mut lane = 0;
    while lane < RATE / 8 {
        let mut word = 0u64;
        let mut byte = 0;
        while byte < 8 {
            word |= (block[lane * 8 + byte] as u64) << (8 * byte);
            byte += 1;
        }
        state[lane] = word;
        lane += 1;
    }
    let state = permute(state);
    let mut out = [0u8; 32];
    let mut at = 0;
    while at < 32 {
        out[at] = (state[at / 8] >> (8 * (at % 8))) as u8;
        at += 1;
    }
    out
}

/// `EVENT_TOPICS[i]` is the topic of `EVENTS[i]`.
pub const EVENT_TOPICS: [[u8; 32]; EVENTS.len()] = {
    let mut topics = [[0u8; 32]; EVENTS.len()];
    let mut i = 0;
    while i < EVENTS.len() {
        topics[i] = topic(EVENTS[i].0);
        i += 1;
    }
    topics
};

/// The topic of the event `name`: from the table for the contract's own events, hashed otherwise.
pub fn topic_of(name: &str) -> [u8; 32] {
    match EVENTS.iter().position(|(known, _)| *known == name) {
        Some(index) => EVENT_TOPICS.get(index).copied().unwrap_or_else(|| super::protocol::event_topic(name)),
        None => super::protocol::event_topic(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genvm::protocol::event_topic;

    #[test]
    fn the_compiled_topics_are_keccak_of_each_signature() {
        for (i, (name, _)) in EVENTS.iter().enumerate() {
            assert_eq!(EVENT_TOPICS[i], event_topic(name), "{name}");
            assert_eq!(topic_of(name), event_topic(name), "{name}");
        }
        assert_eq!(topic_of("NotAnEvent"), event_topic("NotAnEvent"));
        // A name one block long still hashes right (the padding bytes land in the block).
        let long = "X".repeat(RATE - 3);
        assert_eq!(topic(&long), event_topic(&long));
    }
}
