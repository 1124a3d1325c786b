//! QR codes as SVG, drawn on the relay so that the widget carries no QR encoder: a phone's
//! camera opens the `wa.me` or resume link in it.

use crate::error::RelayError;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG QR code of `text` (error correction M, with its quiet zone).
pub fn svg(text: &str) -> Result<String, RelayError> {
    Ok(code(text)?
        .render::<svg::Color>()
        .min_dimensions(192, 192)
        .quiet_zone(true)
        .build())
}

fn code(text: &str) -> Result<QrCode, RelayError> {
    QrCode::with_error_correction_level(text, EcLevel::M)
        .map_err(|e| RelayError::Internal(format!("QR code of {} bytes: {e}", text.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a code back with an independent decoder (rqrr), from its modules.
    fn decode(text: &str) -> String {
        let code = code(text).unwrap();
        let width = code.width();
        let colors = code.to_colors();
        let scale = 4;
        let quiet = 4;
        let size = (width + 2 * quiet) * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
            let (x, y) = (x / scale, y / scale);
            let inside = (quiet..quiet + width).contains(&x) && (quiet..quiet + width).contains(&y);
            let dark = inside && colors[(y - quiet) * width + (x - quiet)] == qrcode::Color::Dark;
            if dark {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn codes_read_back() {
        for text in [
            "https://wa.me/15550783881?text=Continue%20my%20chat%3A%20LINK-7K2Q9X",
            "https://shop.example/tents?confab-resume=LINK-7K2Q9X",
        ] {
            assert_eq!(decode(text), text);
            let drawn = svg(text).unwrap();
            assert!(
                drawn.starts_with("<?xml") && drawn.contains("<svg"),
                "{drawn}"
            );
        }
    }
}
