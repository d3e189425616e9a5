/// Geohash encoding (base 32, longitude and latitude bits interleaved, longitude first).
enum Geohash {
    static let alphabet = Array("0123456789bcdefghjkmnpqrstuvwxyz")

    static func encode(latitude: Double, longitude: Double, precision: Int = 9) -> String {
        var lat = (-90.0, 90.0), lon = (-180.0, 180.0)
        var out = "", bits = 0, value = 0, even = true
        while out.count < precision {
            if even {
                let mid = (lon.0 + lon.1) / 2
                if longitude >= mid { value = value << 1 | 1; lon.0 = mid } else { value <<= 1; lon.1 = mid }
            } else {
                let mid = (lat.0 + lat.1) / 2
                if latitude >= mid { value = value << 1 | 1; lat.0 = mid } else { value <<= 1; lat.1 = mid }
            }
            even.toggle()
            bits += 1
            if bits == 5 {
                out.append(alphabet[value])
                bits = 0
                value = 0
            }
        }
        return out
    }
}
