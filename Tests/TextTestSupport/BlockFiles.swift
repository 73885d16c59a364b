import Foundation

/// The file of block `cid` (its text) in the index folder `dir`: `blocks/<xy>/<cid>` (fan-out,
/// the layout of new folders) or `blocks/<cid>` (flat, folders written before it), whichever
/// exists; the fan-out path when neither does.
public func blockFile(_ dir: String, _ cid: some CustomStringConvertible) -> String {
    let name = cid.description
    let flat = dir + "/blocks/" + name
    let fanned = dir + "/blocks/" + String(name.dropLast().suffix(2)) + "/" + name
    return !FileManager.default.fileExists(atPath: fanned) && FileManager.default.fileExists(atPath: flat) ? flat : fanned
}

/// The names (CIDs) of every block file in the index folder `dir`, in either layout.
public func blockNames(_ dir: String) throws -> [String] {
    let fm = FileManager.default
    return try fm.contentsOfDirectory(atPath: dir + "/blocks").flatMap { name -> [String] in
        var isFolder: ObjCBool = false
        let path = dir + "/blocks/" + name
        guard name.count == 2, fm.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return [name] }
        return try fm.contentsOfDirectory(atPath: path)
    }
}
