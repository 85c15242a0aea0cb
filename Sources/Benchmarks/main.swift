import SwiftGrad
print(Runtime.info())
