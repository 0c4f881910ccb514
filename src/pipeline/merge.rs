//! The merge of lip sync and expression, by channel class (`data/channels.json`):
//!
//! - **expression** channels (brows, eyes, cheek squint, nose): the expression alone.
//! - **lipsync** channels (jaw, mouth opening and rounding, tongue): the lip sync while the
//!   speech gate is open, the expression outside speech (so a surprised face keeps its dropped
//!   jaw in silence): `g * lip + (1 - g) * expr`.
//! - **shared** channels (smile, frown, stretch, dimple, press, ...): both at once while
//!   speaking, as a soft union `1 - (1 - expr)(1 - lip)` (a smiling speaker keeps the smile, a
//!   closure still presses the lips), the expression alone outside speech:
//!   `expr + g * (union - expr)`.
//!
//! `g` is the speech gate's weight in [0, 1]; it ramps, so neither rule snaps. Every output
//! stays in [0, 1] when the inputs do.

use crate::base::channels::{ChannelClass, ChannelTable, Weights};

pub fn merge(expression: &Weights, lipsync: &Weights, gate: f32, table: &ChannelTable) -> Weights {
    let g = gate.clamp(0.0, 1.0);
    std::array::from_fn(|c| {
        let (e, l) = (expression[c], lipsync[c]);
        match table.class(c) {
            ChannelClass::Expression => e,
            ChannelClass::Lipsync => g * l + (1.0 - g) * e,
            ChannelClass::Shared => {
                let union = 1.0 - (1.0 - e) * (1.0 - l);
                e + g * (union - e)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::channels::CHANNEL_COUNT;

    #[test]
    fn merge_follows_the_channel_classes() {
        let table = ChannelTable::builtin();
        let c = |n: &str| table.index_of(n).unwrap();
        let mut expr = [0.0; CHANNEL_COUNT];
        let mut lip = [0.0; CHANNEL_COUNT];
        expr[c("browInnerUp")] = 0.7;
        lip[c("browInnerUp")] = 0.9; // a lip model has no say over the brows
        expr[c("jawOpen")] = 0.5;
        lip[c("jawOpen")] = 0.2;
        expr[c("mouthSmileLeft")] = 0.6;
        lip[c("mouthSmileLeft")] = 0.5;

        let silent = merge(&expr, &lip, 0.0, table);
        assert_eq!(
            silent, expr,
            "outside speech the expression holds the whole face"
        );

        let speaking = merge(&expr, &lip, 1.0, table);
        assert_eq!(speaking[c("browInnerUp")], 0.7);
        assert_eq!(speaking[c("jawOpen")], 0.2);
        assert!((speaking[c("mouthSmileLeft")] - 0.8).abs() < 1e-6); // 1 - 0.4 * 0.5

        let half = merge(&expr, &lip, 0.5, table);
        assert!((half[c("jawOpen")] - 0.35).abs() < 1e-6);
        assert!((half[c("mouthSmileLeft")] - 0.7).abs() < 1e-6);
    }
}
