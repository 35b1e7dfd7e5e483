// mlir_capi_ext.cpp -- see mlir_capi_ext.h.  Kept small on purpose: each
// function unwraps the C handles, makes one MLIR C++ call and wraps the
// answer back into a plain struct.
#include "read_ir/mlir_capi_ext.h"

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "mlir/Bytecode/BytecodeReader.h"
#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/CAPI/IR.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

extern "C" caisMlirBlob caisMlirDenseResourceElementsAttrGetBlob(MlirAttribute attr) {
  caisMlirBlob out = {nullptr, 0, 0, false};
  auto resource = llvm::dyn_cast_or_null<DenseResourceElementsAttr>(unwrap(attr));
  if (!resource) return out;
  const AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob) return out;
  ArrayRef<char> data = blob->getData();
  out.data = data.data();
  out.size = data.size();
  out.alignment = blob->getDataAlignment();
  out.present = true;
  return out;
}

extern "C" MlirStringRef caisMlirDenseResourceElementsAttrGetKey(MlirAttribute attr) {
  auto resource = llvm::dyn_cast_or_null<DenseResourceElementsAttr>(unwrap(attr));
  if (!resource) return MlirStringRef{nullptr, 0};
  StringRef key = resource.getRawHandle().getKey();
  return MlirStringRef{key.data(), key.size()};
}

extern "C" void caisMlirDenseResourceElementsAttrReleaseBlob(MlirAttribute attr) {
  auto resource = llvm::dyn_cast_or_null<DenseResourceElementsAttr>(unwrap(attr));
  if (!resource) return;
  DenseResourceElementsHandle handle = resource.getRawHandle();
  if (auto *entry = handle.getResource()) entry->setBlob(AsmResourceBlob());
}

extern "C" bool caisMlirIsBytecode(const void *bytes, size_t size) {
  static const char magic[4] = {'M', 'L', '\xef', 'R'};
  return size >= 4 && std::memcmp(bytes, magic, 4) == 0;
}

// Parses `buffer` (text or bytecode) into a module.  A shared SourceMgr lets
// the bytecode reader keep the buffer alive for as long as resource blobs
// point into it, so aligned blobs are used in place (zero copy).
static MlirModule parseBuffer(MlirContext context,
                              std::unique_ptr<llvm::MemoryBuffer> buffer) {
  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  ParserConfig config(unwrap(context), /*verifyAfterParse=*/true);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, config);
  if (!module) return MlirModule{nullptr};
  return wrap(module.release());
}

extern "C" MlirModule caisMlirParseSourceFile(MlirContext context, MlirStringRef path,
                                              bool *isBytecode,
                                              caisMlirFileMapping *mapping,
                                              char *ioErrorBuf, size_t ioErrorBufSize) {
  std::string filename(path.data, path.length);
  if (ioErrorBuf && ioErrorBufSize) ioErrorBuf[0] = '\0';
  // Peek at the magic first: bytecode is mapped without a NUL terminator so
  // that the mapping (page aligned) keeps blob alignment and is never copied;
  // text needs the terminator for MLIR's lexer.
  bool bytecode = false;
  {
    auto head = llvm::MemoryBuffer::getFileSlice(filename, 4, 0, /*IsVolatile=*/false);
    if (head && (*head)->getBufferSize() == 4)
      bytecode = caisMlirIsBytecode((*head)->getBufferStart(), 4);
  }
  auto buffer = llvm::MemoryBuffer::getFile(filename, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/!bytecode,
                                            /*IsVolatile=*/false);
  if (!buffer) {
    if (ioErrorBuf && ioErrorBufSize) {
      std::string msg = buffer.getError().message();
      std::snprintf(ioErrorBuf, ioErrorBufSize, "%s", msg.c_str());
    }
    return MlirModule{nullptr};
  }
  if (isBytecode) *isBytecode = bytecode;
  if (mapping) {
    // Only a bytecode mapping outlives the parse (blobs point into it).
    mapping->start = bytecode ? (*buffer)->getBufferStart() : nullptr;
    mapping->size = bytecode ? (*buffer)->getBufferSize() : 0;
  }
  return parseBuffer(context, std::move(*buffer));
}

extern "C" MlirModule caisMlirParseSourceMemory(MlirContext context, const void *data,
                                                size_t size, MlirStringRef sourceName,
                                                bool borrowBytecode) {
  llvm::StringRef bytes(static_cast<const char *>(data), size);
  llvm::StringRef name(sourceName.data, sourceName.length);
  // Borrowed bytecode is read where it lies: aligned blobs then point into
  // the caller's memory.  Otherwise the copy is NUL-terminated (the text
  // lexer needs it) and suitably aligned for bytecode blobs.
  if (borrowBytecode && caisMlirIsBytecode(data, size))
    return parseBuffer(context, llvm::MemoryBuffer::getMemBuffer(
                                    bytes, name, /*RequiresNullTerminator=*/false));
  return parseBuffer(context, llvm::MemoryBuffer::getMemBufferCopy(bytes, name));
}

// MLIR 19's Operation::clone drops the properties (`<{...}>`) of
// unregistered ops, which is every coreai op; copy them back from the
// original, pairing the two trees op by op in walk order.
static void copyProperties(Operation *to, Operation *from) {
  Attribute props = from->getPropertiesAsAttribute();
  if (props)
    (void)to->setPropertiesFromAttribute(props, /*emitError=*/nullptr);
}

extern "C" void caisMlirOperationCopyProperties(MlirOperation to, MlirOperation from) {
  copyProperties(unwrap(to), unwrap(from));
}

extern "C" MlirOperation caisMlirOperationCloneWithProperties(MlirOperation op) {
  Operation *original = unwrap(op);
  Operation *copy = original->clone();
  std::vector<Operation *> from, to;
  original->walk<WalkOrder::PreOrder>([&](Operation *o) { from.push_back(o); });
  copy->walk<WalkOrder::PreOrder>([&](Operation *o) { to.push_back(o); });
  for (size_t i = 0; i < from.size() && i < to.size(); i++) copyProperties(to[i], from[i]);
  return wrap(copy);
}

// MLIR's bytecode reader builds dense constants from the file's bytes
// without checking their size against the type (the check is an assert,
// compiled out of release builds); printing such a constant later reads
// past its storage.  Find the first one, in attributes and properties.
extern "C" bool caisMlirFindMalformedDenseElements(MlirOperation root,
                                                   MlirOperation *badOp,
                                                   MlirAttribute *badAttr) {
  Operation *foundOp = nullptr;
  Attribute found;
  auto check = [&](Attribute attr) {
    if (!attr) return;
    attr.walk([&](Attribute a) {
      if (found) return;
      if (auto dense = llvm::dyn_cast<DenseIntOrFPElementsAttr>(a)) {
        bool splat = false;
        if (!DenseElementsAttr::isValidRawBuffer(dense.getType(), dense.getRawData(),
                                                 splat))
          found = a;
      } else if (auto strings = llvm::dyn_cast<DenseStringElementsAttr>(a)) {
        size_t count = strings.getRawStringData().size();
        if (count != 1 && (int64_t)count != strings.getType().getNumElements())
          found = a;
      }
    });
  };
  unwrap(root)->walk([&](Operation *op) {
    check(op->getRawDictionaryAttrs());
    check(op->getPropertiesAsAttribute());
    if (!found) return WalkResult::advance();
    foundOp = op;
    return WalkResult::interrupt();
  });
  if (!foundOp) return false;
  if (badOp) *badOp = wrap(foundOp);
  if (badAttr) *badAttr = wrap(found);
  return true;
}

// LLVM and MLIR end the process on a fatal error (report_fatal_error, a
// failed allocation) without unwinding; all we can do is say why and clean
// up first.  The handler is process-wide, so only a program's main installs
// it (the CLI; the bytecode probe's child process).
static void (*fatalHandler)(void *, const char *);
static void *fatalUser;

static void onFatalError(void *, const char *reason, bool) {
  fatalHandler(fatalUser, reason);
}

static void onBadAlloc(void *, const char *reason, bool) {
  fatalHandler(fatalUser, reason && *reason ? reason : "out of memory");
}

static void onNewFailure() { fatalHandler(fatalUser, "out of memory"); }

extern "C" void caisMlirInstallFatalErrorHandler(void (*handler)(void *user,
                                                                 const char *reason),
                                                 void *user) {
  fatalHandler = handler;
  fatalUser = user;
  llvm::remove_fatal_error_handler();
  llvm::install_fatal_error_handler(onFatalError, nullptr);
  llvm::remove_bad_alloc_error_handler();
  llvm::install_bad_alloc_error_handler(onBadAlloc, nullptr);
  std::set_new_handler(onNewFailure);
}

namespace {
// An llvm::raw_ostream that hands every chunk to a C callback, unbuffered
// (MLIR's bytecode writer already emits large chunks).
class CallbackStream : public llvm::raw_ostream {
 public:
  CallbackStream(MlirStringCallback callback, void *user)
      : callback(callback), user(user), written(0) {
    SetUnbuffered();
  }

 private:
  void write_impl(const char *ptr, size_t size) override {
    callback(MlirStringRef{ptr, size}, user);
    written += size;
  }
  uint64_t current_pos() const override { return written; }
  MlirStringCallback callback;
  void *user;
  uint64_t written;
};
}  // namespace

// Core AI's MLIR 22 reads ops' values from MLIR 19 bytecode only when they
// are attributes: it misreads MLIR 19's encoding of an unregistered op's
// properties (a dictionary) as its registered op's native properties.  So a
// copy of the tree gets every op's properties merged into its attribute
// dictionary and cleared (an op with no properties writes none), and that
// copy is written.  Attributes are uniqued, so the copy costs a pass over
// the ops, never over weight bytes.
extern "C" void caisMlirOperationWriteBytecodeAsAttributes(MlirOperation op,
                                                          MlirStringCallback callback,
                                                          void *user) {
  Operation *original = unwrap(op);
  Operation *copy = original->clone();
  std::vector<Operation *> from, to;
  original->walk<WalkOrder::PreOrder>([&](Operation *o) { from.push_back(o); });
  copy->walk<WalkOrder::PreOrder>([&](Operation *o) { to.push_back(o); });
  for (size_t i = 0; i < from.size() && i < to.size(); i++) {
    auto props = llvm::dyn_cast_or_null<DictionaryAttr>(from[i]->getPropertiesAsAttribute());
    if (!props || props.empty()) continue;
    NamedAttrList merged(to[i]->getDiscardableAttrDictionary());
    for (NamedAttribute entry : props) merged.set(entry.getName(), entry.getValue());
    (void)to[i]->setPropertiesFromAttribute(Attribute(), /*emitError=*/nullptr);
    to[i]->setDiscardableAttrs(merged.getDictionary(original->getContext()));
  }
  CallbackStream stream(callback, user);
  (void)writeBytecodeToFile(copy, stream);
  copy->erase();
}
