"""PyTorch twins of the Benchmarks workload `resnet18_parts` (Docs/Performance.md): the pieces of
resnet18_train_step one at a time, forward + backward, batch 32, medians of 10, two threads.

    python Benchmarks/torch_resnet18_parts.py   # then: .build/release/Benchmarks --workload resnet18_parts
"""
import torch, time
torch.set_num_threads(2)
def bench(name, f, reps=10):
    ts=[]
    for r in range(reps+1):
        t0=time.perf_counter(); f(); ts.append((time.perf_counter()-t0)*1e3)
    ts=sorted(ts[1:]); print(name,"%.3f"%ts[len(ts)//2])
for c,hw in [(64,32),(128,16),(256,8),(512,4)]:
    x=torch.randn(32,c,hw,hw,requires_grad=True)
    bn=torch.nn.BatchNorm2d(c)
    def f():
        x.grad=None; torch.relu(bn(x)).sum().backward()
    bench(f"bn_relu {c} {hw}", f)
for ci,co,hw in [(64,128,32),(128,256,16),(256,512,8)]:
    x=torch.randn(32,ci,hw,hw,requires_grad=True); w=(torch.randn(co,ci,3,3)*0.05).requires_grad_()
    w1=(torch.randn(co,ci,1,1)*0.05).requires_grad_()
    def f():
        x.grad=None; w.grad=None; torch.nn.functional.conv2d(x,w,stride=2,padding=1).sum().backward()
    bench(f"conv3s2 {ci} {co} {hw}", f)
    def g():
        x.grad=None; w1.grad=None; torch.nn.functional.conv2d(x,w1,stride=2).sum().backward()
    bench(f"conv1s2 {ci} {co} {hw}", g)
x=torch.randn(32,3,32,32); w=(torch.randn(64,3,3,3)*0.05).requires_grad_()
def f():
    w.grad=None; torch.nn.functional.conv2d(x,w,padding=1).sum().backward()
bench("conv first", f)
